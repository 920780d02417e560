// taskgate's live pages: statuses change in place from /v1/events; a running job's log follows. Pages work without it.
'use strict';
(function () {
  var STATUSES = ['pending', 'ready', 'running', 'done', 'failed', 'upstream_failed', 'cancelled', 'expired'];

  function setStatus(el, status) {
    var classes = el.getAttribute('class') || '';
    var kept = classes.split(/\s+/).filter(function (c) { return c && c.indexOf('st-') !== 0; });
    kept.push('st-' + status);
    el.setAttribute('class', kept.join(' '));
    if (el.getAttribute('data-role') === 'status') el.textContent = status;
    var title = el.querySelector ? el.querySelector('title') : null;
    if (title) title.textContent = title.textContent.replace(/: [a-z_]+$/, ': ' + status);
    if (el.tagName === 'A' && el.title) el.title = el.title.replace(/: [a-z_]+$/, ': ' + status);
  }

  function onJob(data) {
    if (STATUSES.indexOf(data.status) < 0) return;
    var els = document.querySelectorAll('[data-job]');
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (el.getAttribute('data-job') !== data.id || el.id === 'log-text') continue;
      setStatus(el, data.status);
    }
    var log = document.getElementById('log-text');
    if (log && log.getAttribute('data-job') === data.id) refreshLog(log);
    var rows = document.querySelectorAll('[data-push]');
    var known = false;
    for (var j = 0; j < rows.length; j++) if (rows[j].getAttribute('data-push') === data.push) known = true;
    if (!known && document.body.getAttribute('data-page') === 'pushes') showNotice();
  }

  function showNotice() {
    if (location.search.indexOf('cursor=') >= 0) return;
    var n = document.getElementById('notice');
    if (n) n.hidden = false;
  }

  function refreshLog(pre) {
    var url = pre.getAttribute('data-log');
    if (!url) return;
    fetch(url, { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.text() : null; }).then(function (text) {
      if (text !== null && text !== pre.textContent) {
        var atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
        pre.textContent = text;
        if (atEnd) pre.scrollTop = pre.scrollHeight;
      }
    }).catch(function () {});
  }

  function followLog() {
    var pre = document.getElementById('log-text');
    var status = document.querySelector('h1 [data-role="status"]');
    if (!pre || !status) return;
    // the tail follows while the job runs; a change of status refreshes it too (onJob)
    setInterval(function () {
      if (status.textContent === 'running') refreshLog(pre);
    }, 1000);
  }

  function connect() {
    if (!window.EventSource) return;
    var live = document.getElementById('live');
    var es = new EventSource('/v1/events');
    es.addEventListener('open', function () { if (live) live.hidden = false; });
    es.addEventListener('error', function () { if (live) live.hidden = true; });
    es.addEventListener('job', function (e) { try { onJob(JSON.parse(e.data)); } catch (err) {} });
    es.addEventListener('push', function () { if (document.body.getAttribute('data-page') === 'pushes') showNotice(); });
  }

  document.addEventListener('DOMContentLoaded', function () { connect(); followLog(); });
})();
