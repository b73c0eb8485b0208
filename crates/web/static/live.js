// Live updates for skolebro's pages (MSG-1): when a message arrives, the unread count in the
// header changes and an open conversation or inbox refreshes itself. Everything works without
// this script; it only spares a reload. Server-Sent Events carry ids, never content.
(function () {
  "use strict";
  if (!window.EventSource || !window.fetch || !window.DOMParser) return;

  // Replaces the element with id `id` by the same element of a fresh copy of this page.
  function refresh(id) {
    return fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html").getElementById(id);
        var current = document.getElementById(id);
        if (fresh && current) current.replaceWith(fresh);
      })
      .catch(function () { /* the next event or a reload will catch up */ });
  }

  var source = new EventSource("/messages/events");
  source.addEventListener("message", function (e) {
    var data;
    try { data = JSON.parse(e.data); } catch (_) { return; }
    var thread = document.getElementById("messages");
    if (thread && thread.getAttribute("data-thread-id") === String(data.thread_id)) {
      refresh("messages");
      return;
    }
    if (document.getElementById("inbox")) refresh("inbox");
    var badge = document.getElementById("unread-count");
    if (badge) {
      badge.hidden = data.unread === 0;
      badge.textContent = badge.textContent.replace(/\d+/, String(data.unread));
    }
  });
})();
