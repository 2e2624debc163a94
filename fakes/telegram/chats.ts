import { MessageWindow } from './message-window.ts';

/** Distinct reply_markup texts the registry shares; beyond it a new keyboard is stored as sent. */
const MARKUPS_INTERNED = 1024;

/** Chat kinds the fake models; private chat id = user id, groups use negative ids. */
export type ChatType = 'private' | 'group' | 'supergroup';

/** A Telegram user as it appears in `from`. */
export interface TelegramUser {
  id: number;
  is_bot: false;
  first_name: string;
  username?: string;
  language_code?: string;
}

/** A message the fake remembers, so edits, deletes and callback queries can refer to it. */
export interface StoredMessage {
  text: string;
  /** reply_markup as canonical JSON text, '' when none. */
  markupJson: string;
  fromBot: boolean;
  dateS: number;
  /** The update that carried a user's message (NaN for the bot's), so a reply to it names its update. */
  updateId: number;
}

/** What the fake knows about one chat. */
export interface ChatState {
  id: number;
  type: ChatType;
  /** The chat object of Telegram messages, serialised once because every reply embeds it. */
  json: string;
  nextMessageId: number;
  lastBotMessageId: number;
  /** The last messagesKeptPerChat messages by id. */
  messages: MessageWindow<StoredMessage>;
}

/** Input to register a chat; missing names get readable defaults. */
export interface ChatInit {
  id: number;
  type?: ChatType;
  title?: string;
  firstName?: string;
  username?: string;
}

/**
 * Users, chats and the messages in them. A chat becomes known when an update is injected for it (or
 * through the control API); the Bot API answers "chat not found" for any other chat.
 *
 * @example
 * const chats = new ChatRegistry(1000);
 * chats.ensureChat({ id: 42 });
 */
export class ChatRegistry {
  readonly chats = new Map<number, ChatState>();
  readonly users = new Map<number, TelegramUser>();
  /** Each user's JSON, made once: every update from the user carries it. */
  private readonly userJsons = new Map<number, string>();
  readonly blocked = new Set<number>();
  /** reply_markup texts seen (at most {@link MARKUPS_INTERNED}): the same keyboard on many messages is one string. */
  private readonly markups = new Map<string, string>();

  constructor(private readonly messagesKept: number) {}

  ensureUser(user: Omit<TelegramUser, 'is_bot'>): TelegramUser {
    const known = this.users.get(user.id);
    if (known !== undefined) return known;
    // Built field by field: a spread copy would give every user a hidden class of its own (~200 bytes each).
    const created: TelegramUser = {
      id: user.id,
      first_name: user.first_name,
      username: user.username,
      language_code: user.language_code,
      is_bot: false,
    };
    this.users.set(user.id, created);
    this.userJsons.set(user.id, JSON.stringify(created));
    return created;
  }

  /** A known user's JSON as an update's `from` carries it. */
  userJson(user: TelegramUser): string {
    return this.userJsons.get(user.id) ?? JSON.stringify(user);
  }

  /**
   * The stored copy of a canonical reply_markup text: a bot sends the same few keyboards to every chat, and
   * each message the fake keeps would otherwise hold its own copy.
   */
  internMarkup(markupJson: string): string {
    if (markupJson === '') return markupJson;
    const known = this.markups.get(markupJson);
    if (known !== undefined) return known;
    if (this.markups.size < MARKUPS_INTERNED) this.markups.set(markupJson, markupJson);
    return markupJson;
  }

  ensureChat(init: ChatInit): ChatState {
    const known = this.chats.get(init.id);
    if (known !== undefined) return known;
    const type = init.type ?? (init.id < 0 ? 'supergroup' : 'private');
    const chatObject =
      type === 'private'
        ? { id: init.id, type, first_name: init.firstName ?? `User ${init.id}`, username: init.username }
        : { id: init.id, type, title: init.title ?? `Group ${init.id}` };
    const chat: ChatState = {
      id: init.id,
      type,
      json: JSON.stringify(chatObject),
      nextMessageId: 1,
      lastBotMessageId: 0,
      messages: new MessageWindow(this.messagesKept),
    };
    this.chats.set(init.id, chat);
    return chat;
  }

  /** Stores a message with the chat's next id, forgetting the oldest past the bound. */
  addMessage(chat: ChatState, message: StoredMessage): number {
    const id = chat.nextMessageId++;
    chat.messages.add(id, message);
    if (message.fromBot) chat.lastBotMessageId = id;
    return id;
  }

  /** Marks a user as having blocked the bot (or not); sends to their private chat then get 403. */
  setBlocked(userId: number, blocked: boolean): void {
    if (blocked) this.blocked.add(userId);
    else this.blocked.delete(userId);
  }

  clear(): void {
    this.chats.clear();
    this.users.clear();
    this.blocked.clear();
    this.markups.clear();
  }
}
