// Known-wrong solutions for lesson 08: each is a mistake the explainer warns about.
import type { WrongSolution } from '../../contract/wrong-solution.ts';

export default [
  // The broadcast loop and the room
  {
    name: 'awaits-each-send-in-turn',
    mistake: 'broadcasts with a loop that awaits each send\'s callback before the next client, so a client that stops reading stalls everyone after it',
    edits: [{
      file: 'server.ts',
      find: '  function broadcast(frame: Buffer): void {\n    for (const [client, member] of room) deliver(client, member, frame);\n  }',
      replace: [
        '  async function broadcast(frame: Buffer): Promise<void> {',
        '    for (const [client] of room) {',
        '      if (client.readyState !== WebSocket.OPEN) continue;',
        '      await new Promise<void>((resolve) => client.send(frame, { binary: false }, () => resolve()));',
        '    }',
        '  }',
      ].join('\n'),
    }],
    mustFail: ['does not delay the others'],
  },
  {
    name: 'gathers-sends-like-the-seed',
    mistake: 'like the Python tutorial\'s asyncio.gather: sends to everyone at once but waits for all sends before handling the sender\'s next message, so one slow client stalls that sender for everyone',
    edits: [
      {
        file: 'server.ts',
        find: '    room.set(socket, member);\n',
        replace: '    room.set(socket, member);\n    let turn: Promise<unknown> = Promise.resolve();\n',
      },
      {
        file: 'server.ts',
        find: '      broadcast(chatFrame(text));',
        replace: [
          '      const frame = chatFrame(text);',
          '      turn = turn.then(() => Promise.all([...room.keys()].map((client) =>',
          '        new Promise<void>((resolve) => client.send(frame, { binary: false }, () => resolve())))));',
        ].join('\n'),
      },
    ],
    mustFail: ['does not delay the others'],
  },
  {
    name: 'room-never-shrinks',
    mistake: 'never removes a client that left, so the room grows for ever and keeps references to dead connections',
    edits: [{ file: 'server.ts', find: '      if (room.delete(socket)) log(', replace: '      if (room.has(socket)) log(' }],
    mustFail: ['a leaver is removed from the room'],
  },
  {
    name: 'sends-to-closing-clients',
    mistake: 'relies on the room alone and never looks at readyState, so a client that has started to close keeps receiving until its "close" event fires',
    edits: [{ file: 'server.ts', find: '    if (client.readyState !== WebSocket.OPEN) return;\n    if (!fits(client, frame.length)) {', replace: '    if (!fits(client, frame.length)) {' }],
    mustFail: ['a client that has started to close gets nothing more'],
  },
  {
    name: 'skips-the-sender',
    mistake: 'broadcasts to everyone except the sender, so the sender never sees its own message in the room\'s order',
    edits: [{ file: 'server.ts', find: '      broadcast(chatFrame(text));', replace: '      room.delete(socket);\n      broadcast(chatFrame(text));\n      room.set(socket, member);' }],
    mustFail: ['the Python tutorial\'s demo', '50 clients'],
  },
  // Input at the boundary
  {
    name: 'broadcasts-binary-as-text',
    mistake: 'does not look at isBinary, so arbitrary bytes are decoded and broadcast as chat',
    edits: [{ file: 'server.ts', find: '      if (isBinary) {\n        socket.close(1003, \'text messages only\');\n        return;\n      }\n', replace: '      void isBinary;\n' }],
    mustFail: ['refuses a binary frame'],
  },
  {
    name: 'trusts-ws-default-max-payload',
    mistake: 'creates the server without maxPayload, so ws accepts messages up to 100 MiB and broadcasts each to the whole room',
    edits: [{ file: 'server.ts', find: '{ host, port, maxPayload: MAX_MESSAGE_BYTES, autoPong: false }', replace: '{ host, port, autoPong: false }' }],
    mustFail: ['refuses a larger one (1009)'],
  },
  {
    name: 'no-error-listener',
    mistake: 'has no "error" listener on the sockets, so one client sending a broken frame crashes the whole room',
    edits: [{ file: 'server.ts', find: '    socket.on(\'error\', (error) => log(`client #${member.id} error: ${printable(error.message)}`));\n', replace: '' }],
    mustFail: ['survives broken frames'],
  },
  {
    name: 'logs-raw-client-text',
    mistake: 'writes the client\'s text to the log as it came, so a newline in a chat message forges a log line',
    edits: [{ file: 'server.ts', find: '${printable(text, 80)}', replace: '${text.length > 80 ? `${text.slice(0, 80)}…` : text}' }],
    mustFail: ['a newline cannot forge a log line'],
  },
  // Slow consumers
  {
    name: 'no-buffer-limit',
    mistake: 'queues for every client whatever its bufferedAmount, so the buffer for a client that stops reading grows without bound',
    edits: [{ file: 'server.ts', find: '    return buffered === 0 || buffered + bytes <= maxBufferedBytes;', replace: '    return buffered >= 0;' }],
    mustFail: ['buffer for it stays under maxBufferedBytes', 'then close code 1013', 'its pongs stay under maxBufferedBytes'],
  },
  {
    name: 'closes-slow-clients-without-a-deadline',
    mistake: 'closes a slow client with 1013 but never terminates it, so the close frame and the unread data sit in memory until ws gives up 30 s later',
    edits: [{ file: 'server.ts', find: '    const timer = setTimeout(() => client.terminate(), closeGraceMs);\n    client.once(\'close\', () => clearTimeout(timer));\n', replace: '' }],
    mustFail: ['dropped after closeGraceMs'],
  },
  {
    name: 'grace-timer-never-cleared',
    mistake: 'starts the terminate() timer for a slow client but never clears it when the client closes cleanly, so every such timer holds its socket for closeGraceMs',
    edits: [{ file: 'server.ts', find: '    client.once(\'close\', () => clearTimeout(timer));\n', replace: '    void timer;\n' }],
    mustFail: ['then close code 1013'],
  },
  {
    name: 'terminates-slow-clients-at-once',
    mistake: 'drops a slow client\'s TCP connection at once instead of closing it with 1013, so even a client that reads again never learns why it was cut off',
    edits: [{
      file: 'server.ts',
      find: '    client.close(1013, \'too slow: reconnect to catch up\');\n',
      replace: '    client.terminate();\n',
    }],
    mustFail: ['then close code 1013'],
  },
  // Pongs
  {
    name: 'leaves-pongs-to-ws',
    mistake: 'keeps ws\'s automatic pongs, so a client that pings and never reads fills the server\'s memory with pongs no limit looks at',
    edits: [
      { file: 'server.ts', find: '{ host, port, maxPayload: MAX_MESSAGE_BYTES, autoPong: false }', replace: '{ host, port, maxPayload: MAX_MESSAGE_BYTES }' },
      {
        file: 'server.ts',
        find: [
          '    socket.on(\'ping\', (data) => {',
          '      if (socket.readyState !== WebSocket.OPEN) return;',
          '      if (fits(socket, data.length)) socket.pong(data);',
          '      else if (slowConsumer === \'close\') closeSlow(socket, member);',
        ].join('\n'),
        replace: '    socket.on(\'ping\', () => {',
      },
    ],
    mustFail: ['its pongs stay under maxBufferedBytes', 'its pongs are skipped'],
  },
  {
    name: 'skipped-pongs-counted-as-dropped-chat',
    mistake: 'sends a pong that does not fit through tooSlow(), so with "drop" a skipped pong counts as a missed chat message and the client is told it lost messages it did not',
    edits: [{ file: 'server.ts', find: '      else if (slowConsumer === \'close\') closeSlow(socket, member);', replace: '      else tooSlow(socket, member);' }],
    mustFail: ['no chat message counts as dropped'],
  },
  // The sender's rate limit
  {
    name: 'no-rate-limit',
    mistake: 'broadcasts every message a client sends however fast it sends them, so one fast sender fills every member\'s buffer and gets them all closed',
    edits: [{
      file: 'server.ts',
      find: '      const retryAfterMs = takeTokens(member, Math.max(Buffer.byteLength(text), MIN_MESSAGE_COST));',
      replace: '      const retryAfterMs = 0;',
    }],
    mustFail: ['a flood is cut to the sender\'s burst', 'told when to retry'],
  },
  {
    name: 'one-bucket-for-the-whole-room',
    mistake: 'keeps one token bucket for the whole room instead of one per sender, so one flooder uses up everyone\'s allowance and silences the room',
    edits: [
      { file: 'server.ts', find: '  let nextId = 1;\n', replace: '  let nextId = 1;\n  const everyone: Member = { id: 0, dropped: 0, tokens: senderBurstBytes, tokensAt: now() };\n' },
      { file: 'server.ts', find: 'takeTokens(member, Math.max(', replace: 'takeTokens(everyone, Math.max(' },
    ],
    mustFail: ['each sender has its own bucket'],
  },
  {
    name: 'bucket-without-a-cap',
    mistake: 'refills the bucket without capping it at its capacity, so a sender that was quiet for an hour may send an hour\'s worth in one burst',
    edits: [{
      file: 'server.ts',
      find: 'member.tokens = Math.min(senderBurstBytes, member.tokens + ((t - member.tokensAt) * senderBytesPerSecond) / 1000);',
      replace: 'member.tokens += ((t - member.tokensAt) * senderBytesPerSecond) / 1000;',
    }],
    mustFail: ['holds exactly senderBurstBytes'],
  },
  {
    name: 'short-messages-are-free',
    mistake: 'charges each message only its length, so a flood of tiny or empty messages is never limited',
    edits: [{ file: 'server.ts', find: 'Math.max(Buffer.byteLength(text), MIN_MESSAGE_COST)', replace: 'Buffer.byteLength(text)' }],
    mustFail: ['costs at least MIN_MESSAGE_COST'],
  },
  {
    name: 'retry-after-the-whole-cost',
    mistake: 'tells a refused sender to wait for the whole message\'s cost instead of only what the bucket lacks, so it waits far longer than it needs to',
    edits: [{ file: 'server.ts', find: 'Math.ceil(((cost - member.tokens) * 1000) / senderBytesPerSecond)', replace: 'Math.ceil((cost * 1000) / senderBytesPerSecond)' }],
    mustFail: ['told when to retry'],
  },
] satisfies WrongSolution[];
