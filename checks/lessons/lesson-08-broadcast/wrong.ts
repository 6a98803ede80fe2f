// Known-wrong solutions for lesson 08: each is a mistake the explainer warns about.
import type { WrongSolution } from '../../contract/wrong-solution.ts';

export default [
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
    mistake: 'like the seed\'s asyncio.gather: sends to everyone at once but waits for all sends before handling the sender\'s next message, so one slow client stalls that sender for everyone',
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
    name: 'no-buffer-limit',
    mistake: 'sends to every client whatever its bufferedAmount, so the buffer for a client that stops reading grows without bound',
    edits: [{ file: 'server.ts', find: 'if (buffered > 0 && buffered + frame.length > maxBufferedBytes) {', replace: 'if (false && buffered > maxBufferedBytes) {' }],
    mustFail: ['buffer for it stays under maxBufferedBytes', 'is closed with code 1013'],
  },
  {
    name: 'closes-slow-clients-without-a-deadline',
    mistake: 'closes a slow client with 1013 but never terminates it, so the close frame and the unread data sit in memory until ws gives up 30 s later',
    edits: [{ file: 'server.ts', find: '    const timer = setTimeout(() => client.terminate(), closeGraceMs);\n    client.once(\'close\', () => clearTimeout(timer));\n', replace: '' }],
    mustFail: ['after closeGraceMs'],
  },
  {
    name: 'skips-the-sender',
    mistake: 'broadcasts to everyone except the sender, so the sender never sees its own message in the room\'s order',
    edits: [{ file: 'server.ts', find: '      broadcast(chatFrame(text));', replace: '      room.delete(socket);\n      broadcast(chatFrame(text));\n      room.set(socket, member);' }],
    mustFail: ['the seed\'s demo', '50 clients'],
  },
  {
    name: 'broadcasts-binary-as-text',
    mistake: 'does not look at isBinary, so arbitrary bytes are decoded and broadcast as chat',
    edits: [{ file: 'server.ts', find: '      if (isBinary) {\n        socket.close(1003, \'text messages only\');\n        return;\n      }\n', replace: '      void isBinary;\n' }],
    mustFail: ['refuses a binary frame'],
  },
] satisfies WrongSolution[];
