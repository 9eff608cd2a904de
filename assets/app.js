/* MiniFace — small enhancements on top of pages that work without JavaScript.
 *
 * - photo preview in the composer (FileReader data: URL; the CSP allows data: images);
 * - confirmation before deleting a post (forms with data-confirm);
 * - relative times ("5 min ago") kept fresh;
 * - the flash message fades out after a while;
 * - an open post menu closes on Escape or on a click elsewhere.
 *
 * `window.MiniFace` exposes small helpers (setBadge, relativeTime) for live updates.
 * No inline scripts: the page loads this file with `defer`.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  var MINUTE = 60, HOUR = 3600, DAY = 86400;
  var FLASH_MS = 6000;

  function relativeTime(date, now) {
    var seconds = Math.max(0, Math.round((now - date) / 1000));
    if (seconds < 45) return "just now";
    if (seconds < HOUR) return Math.max(1, Math.round(seconds / MINUTE)) + " min ago";
    if (seconds < DAY) return Math.floor(seconds / HOUR) + " h ago";
    if (seconds < 2 * DAY) return "yesterday";
    if (seconds < 7 * DAY) return Math.floor(seconds / DAY) + " days ago";
    var opts = { day: "numeric", month: "short" };
    if (date.getUTCFullYear() !== new Date(now).getUTCFullYear()) opts.year = "numeric";
    return date.toLocaleDateString("en-GB", opts);
  }

  function refreshTimes(root) {
    var now = Date.now();
    (root || document).querySelectorAll("time[data-relative]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (!isNaN(date)) el.textContent = relativeTime(date, now);
    });
  }

  function setBadge(name, count) {
    document.querySelectorAll('[data-badge="' + name + '"]').forEach(function (el) {
      var number = el.querySelector("[data-badge-count]");
      if (number) number.textContent = String(count);
      el.hidden = !count;
    });
  }

  function setUpPreview(form) {
    var input = form.querySelector("[data-preview-input]");
    var box = form.querySelector("[data-preview]");
    if (!input || !box) return;
    var img = box.querySelector("img");
    var clear = box.querySelector("[data-preview-clear]");
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file || !/^image\//.test(file.type)) { box.hidden = true; return; }
      var reader = new FileReader();
      reader.onload = function () { img.src = reader.result; box.hidden = false; };
      reader.readAsDataURL(file);
    });
    if (clear) {
      clear.addEventListener("click", function () {
        input.value = "";
        img.removeAttribute("src");
        box.hidden = true;
        input.focus();
      });
    }
  }

  function setUpConfirmations() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches("form[data-confirm]")) return;
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
        return;
      }
      // Confirmed here, so the server can skip its own confirmation page.
      if (!form.querySelector('input[name="confirm"]')) {
        var field = document.createElement("input");
        field.type = "hidden";
        field.name = "confirm";
        field.value = "yes";
        form.appendChild(field);
      }
    });
  }

  function setUpMenus() {
    document.addEventListener("click", function (event) {
      document.querySelectorAll("details.menu[open]").forEach(function (menu) {
        if (!menu.contains(event.target)) menu.removeAttribute("open");
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      document.querySelectorAll("details.menu[open]").forEach(function (menu) {
        menu.removeAttribute("open");
        menu.querySelector("summary").focus();
      });
    });
  }

  function fadeFlash() {
    var flash = document.querySelector("[data-flash]");
    if (!flash) return;
    setTimeout(function () {
      flash.classList.add("is-leaving");
      setTimeout(function () { flash.hidden = true; }, 500);
    }, FLASH_MS);
  }

  function start() {
    document.querySelectorAll("form.composer").forEach(setUpPreview);
    setUpConfirmations();
    setUpMenus();
    refreshTimes();
    setInterval(refreshTimes, 60 * 1000);
    fadeFlash();
  }

  window.MiniFace = { relativeTime: relativeTime, refreshTimes: refreshTimes, setBadge: setBadge };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
