document.getElementById("last").addEventListener("click", () => {
  document.getElementById("out").textContent = "pressed";
});
let keyups = 0;
const q = document.getElementById("q");
q.addEventListener("keyup", () => {
  keyups++;
  document.getElementById("typed").textContent = keyups + " keyups: " + q.value;
});
