// Small progressive enhancements. Everything works without JavaScript; this only improves it.
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the error summary so keyboard and screen-reader users hear what went wrong.
  var summary = document.getElementById("form-error-summary");
  if (summary) { summary.focus(); }
});
