// Starts Det Fælles Designsystem's components (dkfds.min.js, loaded before this file) and adds a few
// progressive enhancements. Everything works without JavaScript; this only improves it. No page has
// an inline script: a Content-Security-Policy without 'unsafe-inline' is the goal.
(function () {
  "use strict";

  // Components inside a fragment that htmx swapped in. DKFDS.init() would start the header's
  // navigation a second time (a second "Mere" menu, doubled listeners), so only the components that
  // live inside page content are started here.
  function initFragment(scope) {
    var D = window.DKFDS;
    if (!D) { return; }
    var each = function (selector, start) {
      Array.prototype.forEach.call(scope.querySelectorAll(selector), function (el) {
        if (el.dataset.helhedDkfds) { return; }
        el.dataset.helhedDkfds = "1";
        start(el);
      });
    };
    each(".accordion, .accordion-bordered", function (el) { new D.Accordion(el).init(); });
    each(".alert.has-close", function (el) { new D.Alert(el).init(); });
    each(".form-limit", function (el) { new D.CharacterLimit(el).init(); });
    each(".js-checkbox-toggle-content", function (el) { new D.CheckboxToggleContent(el).init(); });
    each(".js-radio-toggle-group", function (el) { new D.RadioToggleGroup(el).init(); });
    each(".js-dropdown", function (el) { new D.Dropdown(el).init(); });
    each("div.tab-container", function (el) { new D.Tabs(el).init(); });
    each(".tooltip-wrapper", function (el) { new D.Tooltip(el).init(); });
  }

  // DKFDS: a table wider than the screen scrolls inside <div class="table--responsive-scroll">,
  // and keyboard users must be able to reach that region (tabindex="0", as DKFDS's examples do).
  // Only a wrapper that really scrolls becomes a tab stop; it is named after its table's caption.
  function focusableScrollers(scope) {
    Array.prototype.forEach.call(scope.querySelectorAll(".table--responsive-scroll"), function (el) {
      if (el.hasAttribute("tabindex") || el.scrollWidth <= el.clientWidth) { return; }
      el.setAttribute("tabindex", "0");
      var caption = el.querySelector("caption");
      if (!el.hasAttribute("aria-label") && caption) {
        el.setAttribute("role", "region");
        el.setAttribute("aria-label", caption.textContent.trim());
      }
    });
  }

  window.addEventListener("resize", function () { focusableScrollers(document); });

  document.addEventListener("DOMContentLoaded", function () {
    focusableScrollers(document);
    if (window.DKFDS) {
      // Mark what DKFDS.init() starts now, so a later htmx swap does not start it twice.
      Array.prototype.forEach.call(
        document.querySelectorAll(".accordion, .accordion-bordered, .alert.has-close, .form-limit, " +
          ".js-checkbox-toggle-content, .js-radio-toggle-group, .js-dropdown, div.tab-container, " +
          ".tooltip-wrapper"),
        function (el) { el.dataset.helhedDkfds = "1"; });
      window.DKFDS.init();
      // DKFDS names the overflow of a long main menu "Mere" in every language.
      var nav = document.querySelector(".navigation-menu .nav[data-helhed-more]");
      var more = document.querySelector(".navigation-menu .more-button span");
      if (nav && more) { more.textContent = nav.getAttribute("data-helhed-more"); }
    }
    // Move focus to the error summary so keyboard and screen-reader users hear what went wrong
    // (DKFDS's ErrorSummary does it for summaries marked data-module="error-summary").
    var summary = document.getElementById("form-error-summary");
    if (summary && !summary.hasAttribute("data-module")) { summary.focus(); }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var scope = event.detail.elt || document;
    initFragment(scope);
    focusableScrollers(scope.parentNode || scope);
  });
})();

// A print button on a page: <button data-helhed-print hidden> shows and prints; an element marked
// data-helhed-print-hint (the keyboard shortcut, for when scripts do not run) is hidden.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("button[data-helhed-print]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-helhed-print-hint]"), function (hint) {
    hint.hidden = true;
  });
});
