// lesson-09: its entry in the lesson list (checks/lessons.ts reads every checks/lessons/*/lesson.ts).
import type { Lesson } from '../../lessons.ts';

export default {
  id: 'lesson-09',
  slug: 'usernames',
  title: 'Usernames and the online list',
  titleZh: '用户名与在线列表',
  files: ['names.ts', 'server.ts', 'client.ts'],
  hints: [
    'Start with join() in server.ts: refuse "already_joined" if member.user is set; const checked = checkName(raw); refuse checked.code if !checked.ok; refuse "name_taken" if names.has(checked.key). Then timers.clearTimeout(deadline), member.user = { name: checked.name, key: checked.key }, names.set(checked.key, member), deliver(member, { type: "welcome", name, online: online() }) and broadcast({ type: "joined", name }, member). No await anywhere in join().',
    'names.ts, checkName(): if (typeof raw !== "string") return refuse(…); const name = raw.normalize("NFKC").trim(); const length = [...name].length; then refuse an empty name, one longer than MAX_NAME_LENGTH, INVISIBLE.test(name), !ALLOWED.test(name); then const key = nameKey(name) and RESERVED_NAMES.includes(key) → { ok: false, code: "name_reserved", message }; else { ok: true, name, key }. nameKey(name) is name.toUpperCase().toLowerCase().',
    'online() is [...names.values()].map((member) => member.user!.name).sort(). The welcome is sent after names.set, so the joiner is in its own list.',
    'leave(member): members.delete(member.socket); if member.user: names.delete(user.key), log(`#${member.id} ${user.name} left (${names.size} online)`) and broadcast({ type: "left", name: user.name }). Call it from socket.on("close", …) only, after timers.clearTimeout(deadline): "close" fires once however the connection ends.',
    'The deadline: const deadline = timers.setTimeout(() => { log(`#${member.id} did not join within ${joinTimeoutMs} ms: closing it`); socket.close(JOIN_TIMEOUT_CODE, "join timeout: …"); }, joinTimeoutMs). Use the timers option, not the global setTimeout: the checks pass a fake clock.',
    'rename(): refuse "not_joined" without member.user; checkName(raw); const holder = names.get(checked.key); refuse "name_taken" if holder !== undefined && holder !== member. Only then: names.delete(user.key); names.set(checked.key, member); member.user = { name, key }; log and broadcast({ type: "renamed", from: user.name, to: name }) to everyone.',
    'chat(): refuse "not_joined" without member.user and "empty_message" if text.trim() === ""; log(`${member.user.name}: ${printable(text, 80)}`); broadcast({ type: "chat", from: member.user.name, text }). The client\'s own "from", if it sent one, is never read.',
    'client.ts: one setTimeout at a time (timeoutMs). On "open" send the join; on "welcome" print `Joined as ${name}. Online: ${list}`, swap the timer and send { type: "chat", text: say }; print joined/left/renamed/chat lines through printable(); when a chat has from === your name and text === say, ws.close(1000) and arm a timer that terminate()s. A timer that fires while waiting for the server: reject and ws.terminate().',
    'client.ts, on "close": clearTimeout; reject with the error you kept (an "error" reply, a timeout, a socket error), or with `the server closed the connection (code ${code}: ${reason})` if you did not choose to leave; resolve otherwise. The name defaults to the environment variable CHAT_NAME: name = process.env.CHAT_NAME ?? "alice", so the program line stays runClientProgram("Chat client", runClient).',
  ],
  hintsZh: [
    '从 server.ts 的 join() 开始：member.user 已经有了就拒绝 "already_joined"；const checked = checkName(raw)；!checked.ok 就拒绝 checked.code；names.has(checked.key) 就拒绝 "name_taken"。然后 timers.clearTimeout(deadline)、member.user = { name: checked.name, key: checked.key }、names.set(checked.key, member)、deliver(member, { type: "welcome", name, online: online() })，再 broadcast({ type: "joined", name }, member)。join() 里任何地方都不能有 await。',
    'names.ts 的 checkName()：if (typeof raw !== "string") return refuse(…)；const name = raw.normalize("NFKC").trim()；const length = [...name].length；然后依次拒绝：空名字、超过 MAX_NAME_LENGTH、INVISIBLE.test(name)、!ALLOWED.test(name)；再 const key = nameKey(name)，RESERVED_NAMES.includes(key) 就返回 { ok: false, code: "name_reserved", message }；否则 { ok: true, name, key }。nameKey(name) 就是 name.toUpperCase().toLowerCase()。',
    'online() 是 [...names.values()].map((member) => member.user!.name).sort()。welcome 在 names.set 之后发送，所以加入者会出现在自己收到的列表里。',
    'leave(member)：members.delete(member.socket)；如果有 member.user：names.delete(user.key)，log(`#${member.id} ${user.name} left (${names.size} online)`)，再 broadcast({ type: "left", name: user.name })。只在 socket.on("close", …) 里调用它，并先 timers.clearTimeout(deadline)：不论连接怎样结束，"close" 都只触发一次。',
    '加入期限：const deadline = timers.setTimeout(() => { log(`#${member.id} did not join within ${joinTimeoutMs} ms: closing it`); socket.close(JOIN_TIMEOUT_CODE, "join timeout: …"); }, joinTimeoutMs)。要用 timers 选项，而不是全局的 setTimeout：检查会传进一个假时钟。',
    'rename()：没有 member.user 就拒绝 "not_joined"；checkName(raw)；const holder = names.get(checked.key)；holder !== undefined && holder !== member 就拒绝 "name_taken"。这之后才：names.delete(user.key)；names.set(checked.key, member)；member.user = { name, key }；记日志，并向所有人 broadcast({ type: "renamed", from: user.name, to: name })。',
    'chat()：没有 member.user 就拒绝 "not_joined"，text.trim() === "" 就拒绝 "empty_message"；log(`${member.user.name}: ${printable(text, 80)}`)；broadcast({ type: "chat", from: member.user.name, text })。客户端自己发来的 "from"（如果有）一律不读。',
    'client.ts：同一时间只有一个 setTimeout（timeoutMs）。"open" 时发送 join；收到 "welcome" 时打印 `Joined as ${name}. Online: ${list}`，换一个定时器，再发送 { type: "chat", text: say }；joined/left/renamed/chat 各打印一行，都经过 printable()；当一条聊天的 from === 你的名字且 text === say 时，ws.close(1000)，并设一个会 terminate() 的定时器。等服务器时定时器到期：reject 并 ws.terminate()。',
    'client.ts 的 "close"：clearTimeout；有保存下来的错误（"error" 回复、超时、socket 错误）就用它 reject；如果不是你主动离开，就用 `the server closed the connection (code ${code}: ${reason})` reject；否则 resolve。名字默认取环境变量 CHAT_NAME：name = process.env.CHAT_NAME ?? "alice"，所以程序那一行仍是 runClientProgram("Chat client", runClient)。',
  ],
} satisfies Lesson;
