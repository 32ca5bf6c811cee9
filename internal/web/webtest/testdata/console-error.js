console.log("a log line is fine");
console.warn("a warning is fine");
console.error("boom from console-error.js", 42);
