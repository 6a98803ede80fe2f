// Live demos on a served book: the Run buttons ask the book server (over a WebSocket) to run this
// lesson's server and client in a child process, and the transcript streams in as it happens.
// On lesson 01 the page can also start the echo server and talk to it with the browser's WebSocket.
(function () {
  'use strict';
  var section = document.querySelector('.demo');
  if (!section) return;
  var lessonId = section.dataset.lesson;
  var strings = {};
  try { strings = JSON.parse(document.getElementById('book-strings').textContent); } catch (e) { /* defaults */ }

  section.querySelector('.demo-offline').hidden = true;
  section.querySelector('.demo-live').hidden = false;
  var echoBox = section.querySelector('.echo-client');
  if (echoBox) echoBox.hidden = false;

  // One socket to the book server, opened on first use.
  var socket = null;
  var opening = null;
  var handlers = [];
  function connect() {
    if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket);
    if (opening) return opening;
    opening = new Promise(function (resolve, reject) {
      var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/__book/demo');
      ws.onopen = function () { socket = ws; opening = null; resolve(ws); };
      ws.onerror = function () { opening = null; reject(new Error('cannot reach the book server')); };
      ws.onclose = function () {
        socket = null;
        handlers.forEach(function (h) { h({ type: 'disconnected' }); });
      };
      ws.onmessage = function (event) {
        var message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        handlers.forEach(function (h) { h(message); });
      };
    });
    return opening;
  }
  function send(message) {
    return connect().then(function (ws) { ws.send(JSON.stringify(message)); });
  }
  // Leaving the page ends what it started: the book server stops this page's demo and echo
  // server when the socket closes, and frees their slots for other pages.
  window.addEventListener('pagehide', function () {
    if (socket) socket.close(1000);
  });

  // ---- the transcript: one line per side, with `\r` redraws like a terminal ----
  var transcript = section.querySelector('.demo-transcript');
  var status = section.querySelector('.demo-status');
  var runButtons = section.querySelectorAll('[data-run]');
  var stopButton = section.querySelector('[data-stop]');
  var openLine = null; // { side, text element }
  var started = 0;

  function newLine(side, at) {
    var line = document.createElement('div');
    line.className = 't-line t-' + side;
    var label = document.createElement('span');
    label.className = 't-side';
    label.textContent = side === 'note' ? '···' : side;
    var time = document.createElement('span');
    time.className = 't-time';
    time.textContent = at >= 0 ? (at / 1000).toFixed(2) + ' s' : '';
    var text = document.createElement('span');
    text.className = 't-text';
    line.append(label, time, text);
    transcript.appendChild(line);
    openLine = { side: side, text: text };
    return openLine;
  }
  function addChunk(side, piece, at) {
    var line = openLine && openLine.side === side ? openLine : newLine(side, at);
    var chunk = document.createElement('span');
    chunk.className = 't-chunk';
    chunk.dataset.side = side;
    chunk.dataset.at = String(at);
    chunk.dataset.received = String(Math.round(performance.now() - started));
    chunk.textContent = piece;
    if (at >= 0) chunk.title = (at / 1000).toFixed(3) + ' s';
    line.text.appendChild(chunk);
  }
  function addEvent(event) {
    event.text.split(/(\r|\n)/).forEach(function (piece) {
      if (piece === '') return;
      if (piece === '\n') {
        if (!openLine || openLine.side !== event.side) newLine(event.side, event.at);
        openLine = null;
      } else if (piece === '\r') {
        // A redraw: the side starts its line again (lesson 05 redraws its translation in place).
        var line = openLine && openLine.side === event.side ? openLine : newLine(event.side, event.at);
        line.text.textContent = '';
      } else {
        addChunk(event.side, piece, event.at);
      }
    });
    transcript.scrollTop = transcript.scrollHeight;
  }
  function setRunning(running) {
    runButtons.forEach(function (b) { b.disabled = running; });
    stopButton.hidden = !running;
    section.classList.toggle('is-running', running);
  }
  function failed(text) {
    openLine = null;
    setRunning(false);
    status.textContent = '✗ ' + text;
    status.className = 'demo-status is-failed';
    section.dataset.state = 'failed';
  }
  /** Errors answer a request (demo-protocol.ts); the echo server's go to its own panel below. */
  function isEchoError(message) {
    return message.type === 'error' && (message.request === 'echo-start' || message.request === 'echo-stop');
  }

  handlers.push(function (message) {
    if (message.type === 'started') {
      status.textContent = strings.demoRunning || 'Running…';
    } else if (message.type === 'event') {
      addEvent(message);
    } else if (message.type === 'end') {
      openLine = null;
      setRunning(false);
      status.textContent = message.ok ? '✓ ' + message.message : '✗ ' + message.message;
      status.className = 'demo-status ' + (message.ok ? 'is-ok' : 'is-failed');
      section.dataset.state = message.ok ? 'done' : 'failed';
    } else if (message.type === 'error' && !isEchoError(message)) {
      failed(message.message);
    } else if (message.type === 'disconnected') {
      if (section.dataset.state === 'running') failed(strings.demoDisconnected || 'the connection to the book server closed');
      setRunning(false);
    }
  });

  runButtons.forEach(function (button) {
    button.addEventListener('click', function () {
      transcript.textContent = '';
      transcript.hidden = false;
      openLine = null;
      started = performance.now();
      status.className = 'demo-status';
      status.textContent = '';
      section.dataset.state = 'running';
      setRunning(true);
      send({ type: 'run', lesson: lessonId, variant: button.dataset.run }).catch(function (error) {
        failed(error.message);
      });
    });
  });
  stopButton.addEventListener('click', function () {
    send({ type: 'stop' }).catch(function (error) { failed(error.message); });
  });

  // ---- lesson 01: a browser client for the echo server ----
  if (!echoBox) return;
  var echoStatus = echoBox.querySelector('.echo-status');
  var echoLog = echoBox.querySelector('.echo-log');
  var form = echoBox.querySelector('.echo-form');
  var echoInput = echoBox.querySelector('.echo-input');
  var startButtons = echoBox.querySelectorAll('[data-echo-start]');
  var echoStop = echoBox.querySelector('[data-echo-stop]');
  var echoSocket = null;

  function log(kind, text) {
    var item = document.createElement('li');
    item.className = 't-line t-' + kind;
    var label = document.createElement('span');
    label.className = 't-side';
    label.textContent = kind === 'sent' ? 'page →' : kind === 'received' ? 'page ←' : kind === 'server' ? 'server' : '···';
    var body = document.createElement('span');
    body.className = 't-text';
    body.textContent = text;
    item.append(label, body);
    echoLog.appendChild(item);
    echoLog.scrollTop = echoLog.scrollHeight;
  }
  // The server runs (Start buttons off, Stop shown) / this page is connected to it (the form).
  function echoRunning(running) {
    startButtons.forEach(function (b) { b.disabled = running; });
    echoStop.hidden = !running;
    echoStop.disabled = false;
    if (!running) form.hidden = true;
  }
  function echoEnded(text) {
    log('note', text);
    echoStatus.textContent = '';
    echoRunning(false);
    // The server is gone already: this close cannot be clean, and says so (1006).
    if (echoSocket) echoSocket.close();
  }
  handlers.push(function (message) {
    if (message.type === 'echo-ready') {
      log('note', 'server listening on ' + message.url + '; connecting from this page');
      echoRunning(true);
      var ws = new WebSocket(message.url);
      echoSocket = ws;
      ws.onopen = function () {
        echoStatus.textContent = '● ' + message.url;
        form.hidden = false;
        echoInput.focus();
      };
      ws.onmessage = function (event) { log('received', String(event.data)); };
      ws.onclose = function (event) {
        log('note', 'connection closed (code ' + event.code + ')');
        if (echoSocket === ws) echoSocket = null;
        form.hidden = true;
        echoStatus.textContent = '';
      };
      ws.onerror = function () { log('note', 'connection error'); };
    } else if (message.type === 'echo-log') {
      log('server', message.text);
    } else if (message.type === 'echo-ended') {
      echoEnded(message.message);
    } else if (isEchoError(message) && message.code === 'busy') {
      log('note', message.message); // it runs already: nothing to reset
    } else if (isEchoError(message)) {
      echoEnded('✗ ' + message.message);
    } else if (message.type === 'disconnected') {
      echoRunning(false);
      if (echoSocket) echoSocket.close(1000);
    }
  });
  startButtons.forEach(function (button) {
    button.addEventListener('click', function () {
      echoLog.textContent = '';
      startButtons.forEach(function (b) { b.disabled = true; });
      send({ type: 'echo-start', variant: button.dataset.echoStart }).catch(function (error) {
        echoEnded(error.message);
      });
    });
  });
  // A clean stop, as lesson 01 teaches: close with 1000 and wait for the server's close frame;
  // only then ask the book server to stop the echo server.
  echoStop.addEventListener('click', function () {
    echoStop.disabled = true;
    var stopServer = function () { send({ type: 'echo-stop' }).catch(function () { /* the socket is gone: so is the server */ }); };
    var ws = echoSocket;
    if (!ws || ws.readyState === WebSocket.CLOSED) return stopServer();
    var stopped = false;
    var once = function () {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      stopServer();
    };
    // A server that never answers the close (a learner's, stuck) is stopped anyway.
    var timer = setTimeout(once, 3000);
    ws.addEventListener('close', once);
    ws.close(1000);
  });
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!echoSocket || echoSocket.readyState !== WebSocket.OPEN) return;
    echoSocket.send(echoInput.value);
    log('sent', echoInput.value);
    echoInput.value = '';
    echoInput.focus();
  });
  window.addEventListener('pagehide', function () {
    if (echoSocket) echoSocket.close(1000);
  });
})();
