setTimeout(() => { document.getElementById("status").textContent = "ready"; }, 300);
