// Lesson 02 — messages(socket): the Python tutorial's `await websocket.recv()` and `async for message in
// websocket`, for a ws socket. ws pushes events at you; this turns them into something you pull:
//
//   for await (const message of messages(socket)) { … }       // ends when the connection closes
//   const { value, done } = await incoming.next();            // one recv()
//
// A text frame arrives as a string and a binary frame as a Buffer, as Python's recv() returns
// str or bytes.
import { WebSocket, type RawData } from 'ws';
import { todo } from '../../lib/todo.ts';

export type Message = string | Buffer;

export interface MessagesOptions {
  /**
   * How many unread messages may wait before we stop reading from the network (socket.pause()).
   * Reading resumes when the reader has caught up to half of it.
   */
  highWaterMark?: number;
}

export const DEFAULT_HIGH_WATER_MARK = 64;

/** An iterator whose return() (a `break` out of for-await) is always there to call. */
export interface MessageIterator extends AsyncIterableIterator<Message> {
  next(): Promise<IteratorResult<Message, undefined>>;
  return(): Promise<IteratorResult<Message, undefined>>;
  [Symbol.asyncIterator](): MessageIterator;
}

/**
 * Every message `socket` receives from now on, in order. Listens at once, so messages that
 * arrive before the first next() wait in a queue instead of being lost.
 * Ends (done) when the connection closes; rejects once with the socket's error if it fails.
 */
export function messages(socket: WebSocket, { highWaterMark = DEFAULT_HIGH_WATER_MARK }: MessagesOptions = {}): MessageIterator {
  // Given: a mark that is not a whole number of at least 1 would never pause (NaN) or pause at once (0).
  if (!Number.isInteger(highWaterMark) || highWaterMark < 1) {
    throw new RangeError(`highWaterMark must be a whole number of messages, at least 1, not ${String(highWaterMark)}`);
  }
  // TODO 1: right here, before returning, listen for 'message', 'close' and 'error' on socket.
  //         A message that arrives while nobody waits goes into a queue (an array). Decode a text
  //         frame with data.toString(); keep a binary one as a Buffer (RawData may need Buffer.concat).
  // TODO 2: next(): a queued message if there is one; otherwise a new Promise whose resolve (and
  //         reject) you keep in a list of waiters, for the next 'message' event to settle.
  // TODO 3: on 'close': settle every waiter with { value: undefined, done: true }, remember the
  //         end, and answer every later next() the same way (after the queue is empty). A socket
  //         that is already CLOSED when messages() is called never emits 'close' again: start ended.
  // TODO 4: on 'error': reject the waiting next() with the error (or, if nobody waits, the next
  //         call after the queue is empty); after that, done.
  // TODO 5: return(): what a `break` out of for-await calls. Remove your three listeners
  //         (socket.off) and answer done from then on.
  // TODO 6: bound memory: when highWaterMark messages are queued, socket.pause(); when the queue
  //         is down to half, socket.resume(). Also resume in return() if you paused. Resume only
  //         a pause of your own (a flag): other code may have paused the socket too.
  void WebSocket;
  void socket;
  void highWaterMark;
  todo('messages.ts: listen for "message", "close" and "error" at once, and queue messages until next() takes them');
}
