// Lesson 02 — messages(socket): the Python tutorial's `await websocket.recv()` and `async for message in
// websocket`, for a ws socket. ws pushes events at you; this turns them into something you pull:
//
//   for await (const message of messages(socket)) { … }       // ends when the connection closes
//   const { value, done } = await incoming.next();            // one recv()
//
// A text frame arrives as a string and a binary frame as a Buffer, as Python's recv() returns
// str or bytes: the caller decides what binary means, nothing is decoded by guesswork.
import { WebSocket, type RawData } from 'ws';

export type Message = string | Buffer;

export interface MessagesOptions {
  /**
   * How many unread messages may wait before we stop reading from the network (socket.pause()).
   * Reading resumes when the reader has caught up to half of it. Bounds memory when the
   * sender is faster than the reader.
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

interface Waiter {
  resolve: (result: IteratorResult<Message, undefined>) => void;
  reject: (error: Error) => void;
}

function done(): IteratorResult<Message, undefined> {
  return { value: undefined, done: true };
}

/**
 * Every message `socket` receives from now on, in order. Listens at once, so messages that
 * arrive before the first next() wait in a queue instead of being lost.
 * Ends (done) when the connection closes; rejects once with the socket's error if it fails.
 * Use one iterator per socket. After a `break` the listeners are gone: the socket is yours again.
 */
export function messages(socket: WebSocket, { highWaterMark = DEFAULT_HIGH_WATER_MARK }: MessagesOptions = {}): MessageIterator {
  if (!Number.isInteger(highWaterMark) || highWaterMark < 1) {
    throw new RangeError(`highWaterMark must be a whole number of messages, at least 1, not ${String(highWaterMark)}`);
  }
  const queue: Message[] = [];
  // Someone is waiting only while the queue is empty, so at most one of the two is non-empty.
  const waiters: Waiter[] = [];
  let ended = false;
  let failure: Error | undefined;
  let pausedByUs = false;

  const onMessage = (data: RawData, isBinary: boolean): void => {
    const bytes = toBuffer(data);
    const message: Message = isBinary ? bytes : bytes.toString('utf8');
    const waiter = waiters.shift();
    if (waiter) {
      waiter.resolve({ value: message, done: false });
      return;
    }
    queue.push(message);
    // Backpressure: stop reading from TCP; the sender's kernel buffers fill and it slows down.
    // A few more messages may still come from data ws has already read: the bound is the
    // high-water mark plus one network read.
    if (queue.length >= highWaterMark && !socket.isPaused) {
      socket.pause();
      pausedByUs = true;
    }
  };
  const onClose = (): void => finish();
  const onError = (error: Error): void => finish(error);

  // Only a pause of our own: other code may have paused the socket too, and that is not ours to undo.
  const resumeOurPause = (): void => {
    if (!pausedByUs) return;
    pausedByUs = false;
    socket.resume();
  };

  const detach = (): void => {
    socket.off('message', onMessage);
    socket.off('close', onClose);
    socket.off('error', onError);
    resumeOurPause();
  };

  // Runs once for the end (close or error); a later return() finds nothing left to undo: the
  // listeners are gone, no waiter can park once `ended`, and return() drops any stored error.
  const finish = (error?: Error): void => {
    ended = true;
    detach();
    for (const waiter of waiters.splice(0)) {
      if (error) {
        // The pending call learns why; any later call just sees the end.
        waiter.reject(error);
        error = undefined;
      } else {
        waiter.resolve(done());
      }
    }
    // Nobody was waiting: keep the error for the next call, after the queued messages.
    failure = error;
  };

  const iterator: MessageIterator = {
    next() {
      const message = queue.shift();
      if (message !== undefined) {
        if (queue.length <= highWaterMark / 2) resumeOurPause();
        return Promise.resolve({ value: message, done: false });
      }
      if (failure) {
        const error = failure;
        failure = undefined;
        return Promise.reject(error);
      }
      if (ended) return Promise.resolve(done());
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    // Called by `break`, `return` or a throw inside for-await: stop listening, drop what is queued.
    return() {
      finish();
      queue.length = 0;
      failure = undefined;
      return Promise.resolve(done());
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };

  if (socket.readyState === WebSocket.CLOSED) {
    ended = true;
  } else {
    socket.on('message', onMessage);
    socket.on('close', onClose);
    socket.on('error', onError);
  }
  return iterator;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
