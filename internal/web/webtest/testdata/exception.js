function broken() {
  throw new TypeError("uncaught boom");
}
broken();
