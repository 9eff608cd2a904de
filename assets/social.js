/* MiniFace likes and comments without reloading, on top of forms that work alone.
 *
 * Post cards carry three kinds of forms (views/_post_card.mustache, _comment):
 *   [data-like-form]      POST /posts/ID/like or /unlike
 *   [data-comment-form]   POST /posts/ID/comments
 *   [data-comment-delete] POST /comments/ID/delete
 * Here each is sent through the JSON API instead (API.md v1.1, with the form's
 * CSRF token as X-CSRF-Token) and the card is updated in place: the Like button,
 * the counts line, the comment list. If the API cannot be reached, the form is
 * submitted the classic way. The comment box grows as you type; Enter sends it,
 * Shift+Enter starts a new line.
 *
 * User text goes into the page with textContent only. Loaded with `defer` after
 * live.js, whose avatar and time helpers it shares (window.MiniFaceLive).
 */
(function () {
  "use strict";

  if (!window.fetch) return;
  var MAX_BOX_PX = 200;

  function plural(count, word) {
    return count.toLocaleString("en-GB") + " " + word + (count === 1 ? "" : "s");
  }

  // handlers/pages/present.py like_summary()
  function likeSummary(likes, liked) {
    if (liked) return likes <= 1 ? "You" : "You and " + plural(likes - 1, "other");
    return plural(likes, "like");
  }

  function tokenOf(form) {
    var field = form.querySelector('[name="csrf_token"]');
    return field ? field.value : "";
  }

  function api(form, method, url, body) {
    var headers = { "Content-Type": "application/json", "X-CSRF-Token": tokenOf(form) };
    return fetch(url, {
      method: method, credentials: "same-origin", headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (answer) {
      if (answer.status === 204) return { status: 204, data: null };
      return answer.json().then(function (data) { return { status: answer.status, data: data }; },
                                function () { return { status: answer.status, data: null }; });
    });
  }

  function cardOf(node) { return node.closest("article.post"); }

  // -- counts line -------------------------------------------------------------------

  function setCounts(card, likes, liked, comments) {
    var counts = card.querySelector("[data-counts]");
    var likeLink = card.querySelector("[data-like-summary]");
    var commentLink = card.querySelector("[data-comment-count]");
    if (likes !== null && likeLink) {
      likeLink.querySelector("[data-like-text]").textContent = likeSummary(likes, liked);
      likeLink.hidden = likes === 0;
    }
    if (comments !== null && commentLink) {
      commentLink.textContent = plural(comments, "comment");
      commentLink.hidden = comments === 0;
      commentLink.setAttribute("data-count", String(comments));
    }
    if (counts) counts.hidden = (!likeLink || likeLink.hidden) && (!commentLink || commentLink.hidden);
  }

  function commentCount(card) {
    var link = card.querySelector("[data-comment-count]");
    if (!link) return 0;
    var stored = link.getAttribute("data-count");
    return stored !== null ? Number(stored) : parseInt(link.textContent.replace(/\D/g, ""), 10) || 0;
  }

  // -- likes -------------------------------------------------------------------------

  function sendLike(form) {
    var card = cardOf(form);
    var button = form.querySelector("[data-like-button]");
    var postId = card.getAttribute("data-post-id");
    var liking = !/\/unlike$/.test(form.getAttribute("action"));
    button.disabled = true;
    return api(form, liking ? "POST" : "DELETE", "/api/posts/" + postId + "/like")
      .then(function (result) {
        button.disabled = false;
        if (result.status !== 200) { form.submit(); return; }
        var liked = result.data.liked;
        form.setAttribute("action", "/posts/" + postId + (liked ? "/unlike" : "/like"));
        button.classList.toggle("is-liked", liked);
        button.setAttribute("aria-pressed", liked ? "true" : "false");
        setCounts(card, result.data.likes, liked, null);
      });
  }

  // -- comments ------------------------------------------------------------------------

  function hidden(name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    return input;
  }

  function commentItem(comment, form) {
    var live = window.MiniFaceLive;
    var item = live.el("li", "comment is-new");
    item.id = "c-" + comment.id;
    item.setAttribute("data-comment-id", String(comment.id));
    var profile = "/u/" + encodeURIComponent(comment.author.username);
    var pic = live.el("a", "comment__avatar");
    pic.href = profile;
    pic.tabIndex = -1;
    pic.setAttribute("aria-hidden", "true");
    pic.appendChild(live.avatar(comment.author));
    var main = live.el("div", "comment__main");
    var bubble = live.el("div", "comment__bubble");
    var name = live.el("a", "comment__author", comment.author.name);
    name.href = profile;
    bubble.appendChild(name);
    bubble.appendChild(live.el("p", "comment__text", comment.body));
    var meta = live.el("div", "comment__meta");
    meta.appendChild(live.timeElement("", comment.created_at));
    // The one writing it may delete it (the post's author too, after a reload).
    var remove = live.el("form", "comment__delete");
    remove.method = "post";
    remove.action = "/comments/" + comment.id + "/delete";
    remove.setAttribute("data-comment-delete", "");
    remove.appendChild(hidden("csrf_token", tokenOf(form)));
    remove.appendChild(hidden("next", location.pathname + location.search));
    var button = live.el("button", "link-button", "Delete");
    button.type = "submit";
    button.appendChild(live.el("span", "visually-hidden", " this comment by " + comment.author.name));
    remove.appendChild(button);
    meta.appendChild(remove);
    main.appendChild(bubble);
    main.appendChild(meta);
    item.appendChild(pic);
    item.appendChild(main);
    return item;
  }

  function showError(form, text) {
    var error = form.querySelector("[data-comment-error]");
    if (!error) return;
    error.textContent = text;
    error.hidden = !text;
  }

  function sendComment(form) {
    var card = cardOf(form);
    var box = form.querySelector("textarea");
    var body = box.value;
    if (!body.trim()) { showError(form, "Write something first."); box.focus(); return null; }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    showError(form, "");
    return api(form, "POST", "/api/posts/" + card.getAttribute("data-post-id") + "/comments",
               { body: body })
      .then(function (result) {
        button.disabled = false;
        if (result.status === 422 || result.status === 404) {
          var error = (result.data && result.data.error) || {};
          showError(form, "Not sent: " + ((error.fields && error.fields.body) || error.message) + ".");
          return;
        }
        if (result.status !== 201) { form.submit(); return; }
        card.querySelector("[data-comment-list]").appendChild(commentItem(result.data, form));
        box.value = "";
        grow(box);
        setCounts(card, null, false, commentCount(card) + 1);
      });
  }

  function deleteComment(form) {
    var item = form.closest("li.comment");
    var card = cardOf(form);
    var id = item.getAttribute("data-comment-id");
    return api(form, "DELETE", "/api/comments/" + id).then(function (result) {
      if (result.status !== 204 && result.status !== 404) { form.submit(); return; }
      item.remove();
      setCounts(card, null, false, Math.max(0, commentCount(card) - 1));
    });
  }

  // -- wiring ---------------------------------------------------------------------------

  var HANDLERS = [
    ["form[data-like-form]", sendLike],
    ["form[data-comment-form]", sendComment],
    ["form[data-comment-delete]", deleteComment]
  ];

  function onSubmit(event) {
    var form = event.target;
    if (!window.MiniFaceLive || !cardOf(form)) return;
    for (var i = 0; i < HANDLERS.length; i++) {
      if (!form.matches(HANDLERS[i][0])) continue;
      event.preventDefault();
      var sending = HANDLERS[i][1](form);
      if (sending) sending.catch(function () { form.submit(); });
      return;
    }
  }

  function grow(box) {
    box.style.height = "auto";
    box.style.height = Math.min(box.scrollHeight + 2, MAX_BOX_PX) + "px";
  }

  function onInput(event) {
    if (event.target.matches("textarea[data-grow]")) grow(event.target);
  }

  function onKeydown(event) {
    var box = event.target;
    if (!box.matches("textarea[data-grow]")) return;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      var form = box.form;
      if (form.requestSubmit) form.requestSubmit();
      else form.dispatchEvent(new Event("submit", { cancelable: true, bubbles: true }));
    }
  }

  document.addEventListener("submit", onSubmit);
  document.addEventListener("input", onInput);
  document.addEventListener("keydown", onKeydown);
})();
