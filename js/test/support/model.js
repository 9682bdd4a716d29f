// An anywidget model as the views see it (get/set/save_changes/on/off/send),
// with what a test needs to play the kernel's part: emit an event, reply with a
// custom message, and read what the view sent. One for every view test.

export class FakeModel {
  /**
   * @param {Record<string, unknown>} state the traits (kept, not copied)
   * @param {{ fromKernel?: (message: any) => any }} [options] `fromKernel` turns each
   *   custom message the test emits into what the kernel sends (e.g. withSpecs)
   */
  constructor(state, { fromKernel = (message) => message } = {}) {
    this.state = state;
    this.fromKernel = fromKernel;
    this.handlers = new Map(); // event -> Set of handlers
    this.sent = []; // the custom messages the view sent, oldest first
  }

  get(name) {
    return this.state[name];
  }

  /** Set a trait and tell its listeners at once (as Backbone does; save_changes syncs nothing here). */
  set(name, value) {
    this.state[name] = value;
    this.emit(`change:${name}`);
  }

  save_changes() {}

  on(event, handler) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event).add(handler);
  }

  off(event, handler) {
    this.handlers.get(event)?.delete(handler);
  }

  send(content) {
    this.sent.push(content);
  }

  /** Call the event's handlers (those on it when it fires) with `message` and `args`. */
  emit(event, message, ...args) {
    const sent = event === "msg:custom" ? this.fromKernel(message) : message;
    for (const handler of [...(this.handlers.get(event) ?? [])]) handler(sent, ...args);
  }

  /** The kernel answers with a custom message (and no buffers). */
  reply(content) {
    this.emit("msg:custom", content, []);
  }

  /** The last message of this type the view sent. */
  last(type) {
    return [...this.sent].reverse().find((message) => message.type === type);
  }
}
