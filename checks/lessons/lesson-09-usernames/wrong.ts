// Known-wrong solutions for lesson 09: each is a mistake the explainer warns about.
import type { WrongSolution } from '../../contract/wrong-solution.ts';

export default [
  // What makes two names the same
  {
    name: 'unique-by-raw-string',
    mistake: 'compares names exactly as typed, so Alice, alice and ALICE are three different people',
    edits: [{ file: 'names.ts', find: "  return name.toUpperCase().toLowerCase().normalize('NFKC');", replace: '  return name;' }],
    mustFail: ['unique after NFKC and case folding', 'reserved names'],
  },
  {
    name: 'lower-case-is-not-case-folding',
    mistake: 'folds case with toLowerCase() alone, so Straße and STRASSE stay two names',
    edits: [{ file: 'names.ts', find: "  return name.toUpperCase().toLowerCase().normalize('NFKC');", replace: "  return name.toLowerCase().normalize('NFKC');" }],
    mustFail: ['unique after NFKC and case folding'],
  },
  {
    name: 'key-not-normalised-after-case-mapping',
    mistake: 'takes the key as toUpperCase().toLowerCase() of the NFKC form and stops there, so ΐ and Ϊ́, the same letters spelled in two ways after case mapping, are two names',
    edits: [{ file: 'names.ts', find: "  return name.toUpperCase().toLowerCase().normalize('NFKC');", replace: '  return name.toUpperCase().toLowerCase();' }],
    mustFail: ['normalised again after case mapping'],
  },
  {
    name: 'case-folding-without-nfkc',
    mistake: 'trims but never NFKC-normalises the name it shows, so the full-width Ａｌｉｃｅ is shown (and counted, and checked) as typed',
    edits: [{ file: 'names.ts', find: "  const name = raw.normalize('NFKC').trim();", replace: '  const name = raw.trim();' }],
    mustFail: ['NFKC-normalised'],
  },
  // The character and length rule
  {
    name: 'length-in-utf16-units',
    mistake: 'measures the length with name.length (UTF-16 units), so a name of 32 Chinese characters outside the BMP counts as 64 and is refused',
    edits: [{ file: 'names.ts', find: '  const length = [...name].length;', replace: '  const length = name.length;' }],
    mustFail: ['refuses bad names'],
  },
  {
    name: 'length-before-normalising',
    mistake: 'measures the name before NFKC, so eleven Ⅻ pass the limit and become a 33-letter name',
    edits: [{ file: 'names.ts', find: '  const length = [...name].length;', replace: '  const length = [...raw].length;' }],
    mustFail: ['refuses bad names'],
  },
  {
    name: 'letters-may-be-invisible',
    mistake: 'trusts the "letters only" rule and skips the invisible-character check, so a Hangul filler (a letter that shows as nothing) is a valid name',
    edits: [{ file: 'names.ts', find: "  if (INVISIBLE.test(name)) return refuse('the name holds an invisible character');\n", replace: '' }],
    mustFail: ['refuses bad names'],
  },
  {
    name: 'logs-raw-name',
    mistake: 'logs a refused name as it came, so a newline in it forges a log line',
    edits: [{ file: 'server.ts', find: '${printable(String(raw), 40)}', replace: '${String(raw)}' }],
    mustFail: ['refuses bad names'],
  },
  // Taking a name
  {
    name: 'awaits-between-check-and-take',
    mistake: 'checks that the name is free, then awaits an async look-up (a user database) before taking it, so two joins at the same moment both pass the check',
    edits: [
      { file: 'server.ts', find: '  function join(member: Member, raw: unknown, deadline: TimerHandle): void {', replace: '  async function join(member: Member, raw: unknown, deadline: TimerHandle): Promise<void> {' },
      { file: 'server.ts', find: '    timers.clearTimeout(deadline);\n    member.user = {', replace: '    await new Promise((resolve) => setTimeout(resolve, 50)); // pretend: ask the user database\n    timers.clearTimeout(deadline);\n    member.user = {' },
    ],
    mustFail: ['at the same moment: exactly one wins'],
  },
  {
    name: 'list-before-adding-self',
    mistake: 'builds the welcome\'s online list before adding the joiner, so a client never sees itself in the list',
    edits: [
      { file: 'server.ts', find: '    timers.clearTimeout(deadline);\n    member.user = {', replace: '    const list = online();\n    timers.clearTimeout(deadline);\n    member.user = {' },
      { file: 'server.ts', find: 'online: online() });', replace: 'online: list });' },
    ],
    mustFail: ['gets the online list', 'online list holds everyone online'],
  },
  {
    name: 'joined-sent-to-the-joiner-too',
    mistake: 'broadcasts "joined" to everyone, the joiner included, so a client is told that it joined after its own welcome',
    edits: [{ file: 'server.ts', find: "    broadcast({ type: 'joined', name: checked.name }, member);", replace: "    broadcast({ type: 'joined', name: checked.name });" }],
    mustFail: ['gets the online list'],
  },
  {
    name: 'broadcasts-to-connections-that-never-joined',
    mistake: 'broadcasts to every connection, so a connection that has not joined reads the room without a name',
    edits: [{ file: 'server.ts', find: '    for (const member of names.values()) if (member !== except)', replace: '    for (const member of members.values()) if (member !== except)' }],
    mustFail: ['gets the online list'],
  },
  // Leaving
  {
    name: 'frees-the-name-on-a-clean-close-only',
    mistake: 'treats only a clean goodbye (1000) as leaving, so a client that drops, times out or is cut off keeps its name for ever',
    edits: [{ file: 'server.ts', find: "    socket.on('close', () => {\n      timers.clearTimeout(deadline);\n      leave(member);", replace: "    socket.on('close', (code) => {\n      timers.clearTimeout(deadline);\n      if (code === 1000) leave(member);" }],
    mustFail: ['on every way a connection can end', 'dropped within two heartbeats', 'dropped once maxBufferedBytes'],
  },
  {
    name: 'left-on-error-and-on-close',
    mistake: 'calls leave() in the "error" listener as well as in "close", so a client that sends a broken frame is announced as gone twice',
    edits: [{ file: 'server.ts', find: "    socket.on('error', (error) => log(`#${member.id} error: ${printable(error.message)}`));", replace: "    socket.on('error', (error) => {\n      log(`#${member.id} error: ${printable(error.message)}`);\n      leave(member);\n    });" }],
    mustFail: ['on every way a connection can end'],
  },
  {
    name: 'heartbeat-announces-the-leave-itself',
    mistake: 'calls leave() in the heartbeat before terminate(), and "close" calls it again, so everyone is told twice that the silent member left',
    edits: [{ file: 'server.ts', find: '        member.socket.terminate();\n        continue;', replace: '        leave(member);\n        member.socket.terminate();\n        continue;' }],
    mustFail: ['dropped within two heartbeats'],
  },
  {
    name: 'slow-member-closed-politely',
    mistake: 'closes a member that stopped reading with close(1013) instead of terminate(), so the close frame waits behind what it never reads and its name stays taken for 30 s',
    edits: [{ file: 'server.ts', find: '      socket.terminate();\n      return;', replace: "      socket.close(1013, 'too slow');\n      return;" }],
    mustFail: ['dropped once maxBufferedBytes'],
  },
  {
    name: 'no-error-listener',
    mistake: 'has no "error" listener on the sockets, so one client sending a broken frame crashes the server and every name with it',
    edits: [{ file: 'server.ts', find: "    socket.on('error', (error) => log(`#${member.id} error: ${printable(error.message)}`));\n", replace: '' }],
    mustFail: ['on every way a connection can end'],
  },
  {
    name: 'trusts-ws-default-max-payload',
    mistake: 'creates the server without maxPayload, so ws takes messages of up to 100 MiB and broadcasts them',
    edits: [{ file: 'server.ts', find: '{ host, port, maxPayload: MAX_MESSAGE_BYTES }', replace: '{ host, port }' }],
    mustFail: ['on every way a connection can end'],
  },
  {
    name: 'pongs-pile-up',
    mistake: 'drops limitSendBuffer(), so a client that pings and never reads fills the server\'s memory with pongs',
    edits: [{ file: 'server.ts', find: '    limitSendBuffer(socket, { highWaterBytes: maxBufferedBytes });\n', replace: '' }],
    mustFail: ['pings and never reads'],
  },
  // The join deadline
  {
    name: 'no-join-deadline',
    mistake: 'never closes a connection that does not join, so anyone can hold connections open without a name for as long as they like',
    edits: [{ file: 'server.ts', find: "    const deadline = timers.setTimeout(() => {\n      log(`#${member.id} did not join within ${joinTimeoutMs} ms: closing it`);\n      socket.close(JOIN_TIMEOUT_CODE, 'join timeout: send {\"type\":\"join\",\"name\":…} first');\n    }, joinTimeoutMs);", replace: '    const deadline: TimerHandle = 0;\n    void JOIN_TIMEOUT_CODE;' }],
    mustFail: ['closed with 4000 after joinTimeoutMs'],
  },
  {
    name: 'deadline-not-cleared-on-join',
    mistake: 'starts the join deadline but never clears it when the client joins, so every member is thrown out after joinTimeoutMs',
    edits: [{ file: 'server.ts', find: '    timers.clearTimeout(deadline);\n    member.user = {', replace: '    member.user = {' }],
    mustFail: ['closed with 4000 after joinTimeoutMs'],
  },
  {
    name: 'deadline-not-cleared-on-close',
    mistake: 'clears the join deadline on join but not when the connection closes, so every visitor that leaves early leaves a timer behind',
    edits: [{ file: 'server.ts', find: "    socket.on('close', () => {\n      timers.clearTimeout(deadline);\n", replace: "    socket.on('close', () => {\n" }],
    mustFail: ['closed with 4000 after joinTimeoutMs'],
  },
  // Renaming and chat
  {
    name: 'rename-frees-the-old-name-first',
    mistake: 'frees the old name before checking the new one, so after a refused rename someone else can take the name its owner still shows',
    edits: [
      { file: 'server.ts', find: '    const holder = names.get(checked.key);', replace: '    names.delete(user.key);\n    const holder = names.get(checked.key);' },
      { file: 'server.ts', find: '    names.delete(user.key);\n    names.set(checked.key, member);', replace: '    names.set(checked.key, member);' },
    ],
    mustFail: ['a refused rename keeps the old name'],
  },
  {
    name: 'rename-refuses-its-own-key',
    mistake: 'refuses a rename to any key in use, the renamer\'s own included, so alice cannot become Alice',
    edits: [{ file: 'server.ts', find: 'if (holder !== undefined && holder !== member)', replace: 'if (holder !== undefined)' }],
    mustFail: ['change the case of its own name'],
  },
  {
    name: 'trusts-the-client-from',
    mistake: 'uses the "from" a client put in its chat message when there is one, so anyone can speak as anyone',
    edits: [
      { file: 'server.ts', find: "      return { type: 'chat', text: message.text };", replace: "      return { type: 'chat', text: message.text, ...(typeof message.from === 'string' ? { from: message.from } : {}) } as Incoming;" },
      { file: 'server.ts', find: '          return chat(member, message.text);', replace: "          return chat(member, message.text, 'from' in message ? String(message.from) : undefined);" },
      { file: 'server.ts', find: '  function chat(member: Member, text: string): void {', replace: '  function chat(member: Member, text: string, claimed?: string): void {' },
      { file: 'server.ts', find: "broadcast({ type: 'chat', from: member.user.name, text });", replace: "broadcast({ type: 'chat', from: claimed ?? member.user.name, text });" },
    ],
    mustFail: ['never as the client claims'],
  },
  // The client
  {
    name: 'client-closes-a-silent-server',
    mistake: 'the client answers a silent server with close() instead of terminate(), so it waits another 30 s for an answer to its close frame',
    edits: [{ file: 'client.ts', find: "      failure ??= new Error(`no ${what} from the server within ${timeoutMs} ms`);\n      ws.terminate();", replace: "      failure ??= new Error(`no ${what} from the server within ${timeoutMs} ms`);\n      ws.close(1000);" }],
    mustFail: ['gives up on a server that never answers'],
  },
  {
    name: 'client-takes-anyone-for-its-echo',
    mistake: 'the client leaves when any member says its words, not when its own line comes back',
    edits: [{ file: 'client.ts', find: 'if (message.from === me && message.text === say) leave();', replace: 'if (message.text === say) leave();' }],
    mustFail: ['leaves with 1000 once its own line comes back'],
  },
] satisfies WrongSolution[];
