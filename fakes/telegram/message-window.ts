/**
 * The last `kept` messages of one chat, by message id. A chat numbers its messages 1, 2, 3, ... (the chat's
 * counter), so the window is a ring indexed by id: a lookup is an array read, and forgetting the oldest message
 * is overwriting its slot. A Map here rebuilt its hash table as old ids were deleted, on the path every
 * simulated update takes (an update and its reply store two messages). The ring starts small and doubles up
 * to `kept`, so a chat with three messages holds three slots' worth, not `kept`.
 *
 * @example
 * const window = new MessageWindow<string>(2);
 * window.add(1, 'a'); window.add(2, 'b'); window.add(3, 'c');
 * window.get(1) // undefined: ids 2 and 3 are the last two
 */
export class MessageWindow<T> {
  private slots: (T | undefined)[] = new Array(INITIAL_SLOTS).fill(undefined);
  /** The highest id added; the window holds ids in (newestId - kept, newestId]. */
  private newestId = 0;

  constructor(private readonly kept: number) {
    if (!Number.isInteger(kept) || kept < 1) throw new RangeError(`kept must be a positive integer, got ${kept}`);
  }

  get(id: number): T | undefined {
    return this.inWindow(id) ? this.slots[id % this.slots.length] : undefined;
  }

  /** Stores the message with the chat's next id (ids only grow); the one `kept` ids older falls out. */
  add(id: number, message: T): void {
    if (!Number.isInteger(id) || id <= this.newestId) {
      throw new RangeError(`message ids only grow: ${id} after ${this.newestId}`);
    }
    // Every id the window can hold needs a slot of its own: grow before an id would wrap onto a held one.
    while (this.slots.length < this.kept && id - this.oldestHeldId(id) + 1 > this.slots.length) this.grow();
    // Ids skipped over (none when ids come from the chat's counter) leave their slots empty.
    for (let skipped = Math.max(this.newestId + 1, id - this.slots.length + 1); skipped < id; skipped++) {
      this.slots[skipped % this.slots.length] = undefined;
    }
    this.slots[id % this.slots.length] = message;
    this.newestId = id;
  }

  /** Forgets one message; false when the window does not hold it. */
  delete(id: number): boolean {
    if (this.get(id) === undefined) return false;
    this.slots[id % this.slots.length] = undefined;
    return true;
  }

  private inWindow(id: number): boolean {
    return Number.isInteger(id) && id > 0 && id <= this.newestId && id > this.newestId - this.kept;
  }

  /** The oldest id the window would hold once `newId` is added. */
  private oldestHeldId(newId: number): number {
    return Math.max(1, newId - this.kept + 1);
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Array<T | undefined>(Math.min(this.kept, old.length * 2)).fill(undefined);
    for (let id = Math.max(1, this.newestId - old.length + 1); id <= this.newestId; id++) {
      if (this.inWindow(id)) slots[id % slots.length] = old[id % old.length];
    }
    this.slots = slots;
  }
}

/** Slots a new chat starts with (most chats in a run hold a few dozen messages). */
const INITIAL_SLOTS = 16;
