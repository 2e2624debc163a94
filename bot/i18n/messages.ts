/** The commands the bot answers (handlers/commands.ts registers each; the system prompt names the same ones). */
export const COMMAND_NAMES = ['start', 'help', 'menu', 'settings', 'topic', 'time', 'pause', 'resume', 'stop'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/**
 * Everything the bot says, as one interface with one implementation per language. A missing
 * translation is a type error, not a runtime surprise. Texts with parameters are functions.
 */
export interface Messages {
  confirmName(name: string): string;
  askName: string;
  badName: string;
  askTopic(name: string): string;
  askTime(topicTitle: string): string;
  badTime: string;
  timeAssigned(time: string): string;
  timeShifted(requested: string, time: string): string;
  timeFullOffer(requested: string, offers: readonly string[]): string;
  timeFullNoOffer(requested: string): string;
  onboardingDone: string;
  welcomeBack(name: string): string;
  resumed(time: string): string;
  stopped: string;
  needStart: string;
  menuTitle: string;
  topicsTitle: string;
  topicCard(title: string, blurb: string, isMine: boolean): string;
  topicSet(title: string): string;
  settings(topic: string, time: string, paused: boolean): string;
  notSet: string;
  help: string;
  unknownCommand: string;
  textOnly: string;
  staleButton: string;
  /** Told once when a user sends messages faster than `rateLimit` allows (middleware/rate-limit.ts). */
  slowDown: string;
  /** The command menu Telegram shows (setMyCommands): one line per command of handlers/commands.ts. */
  commands: Record<CommandName, string>;
  /** The reply of replyFallbackOnError; starts with ⚠️ like every fallback (the load generator counts them). */
  fallback: string;
  buttons: {
    yes: string;
    otherName: string;
    topics: string;
    settings: string;
    help: string;
    back: string;
    chooseTopic: string;
    changeTopic: string;
    changeTime: string;
    pause: string;
    resume: string;
  };
}

export const en: Messages = {
  confirmName: (name) => `Hi! I send a short daily news digest and answer questions. Shall I call you ${name}?`,
  askName: 'How should I call you? Send me a name.',
  badName: 'Please send a name of 1 to 64 characters.',
  askTopic: (name) => `Nice to meet you, ${name}! Which topic interests you most?`,
  askTime: (topic) =>
    `${topic} it is. When should your daily digest arrive? Pick a time or send one like 10:00 (times are UTC).`,
  badTime: 'I did not understand that time. Send it like 10:00, or pick a button.',
  timeAssigned: (time) => `Done! Your daily digest arrives at ${time} UTC.`,
  timeShifted: (requested, time) => `${requested} is full, so your daily digest arrives at ${time} UTC.`,
  timeFullOffer: (requested, offers) => `${requested} is full. How about ${offers.join(', ')}?`,
  timeFullNoOffer: (requested) => `${requested} is full, and so is the rest of the day. Please try another time.`,
  onboardingDone: 'Ask me anything, or use the menu.',
  welcomeBack: (name) => `Welcome back, ${name}! Ask me anything, or use the menu.`,
  resumed: (time) => `Digests are back on: daily at ${time} UTC.`,
  stopped: 'Digests are paused. Send /start to resume them. You can still ask me anything.',
  needStart: 'Send /start first to set up your digest.',
  menuTitle: 'Menu',
  topicsTitle: 'Topics: tap one to read about it.',
  topicCard: (title, blurb, isMine) => `${title}\n${blurb}${isMine ? '\n\nThis is your topic.' : ''}`,
  topicSet: (title) => `Your topic is now ${title}.`,
  settings: (topic, time, paused) => `Settings\nTopic: ${topic}\nDigest: ${time}${paused ? ' (paused)' : ''}`,
  notSet: 'not set',
  help: 'Send any question and I will answer it. /topic and /time change your digest, /pause and /resume stop and restart it, /settings shows it all.',
  unknownCommand: 'I do not know that command. Try /help.',
  textOnly: 'I can only read text messages for now.',
  staleButton: 'That button no longer works. Here is the menu.',
  slowDown: '⏳ That is a lot of messages at once. I will read your next ones in a minute.',
  commands: {
    start: 'set up your daily digest, or resume it',
    help: 'what I can do',
    menu: 'the main menu',
    settings: 'your topic and digest time',
    topic: 'change the topic of your digest',
    time: 'change when your digest arrives',
    pause: 'pause daily digests',
    resume: 'resume daily digests',
    stop: 'pause daily digests (same as /pause)',
  },
  fallback: '⚠️ Sorry, something went wrong on our side. Please try again in a minute.',
  buttons: {
    yes: '✅ Yes',
    otherName: '✏️ Another name',
    topics: '📚 Topics',
    settings: '⚙️ Settings',
    help: '❓ Help',
    back: '⬅️ Back',
    chooseTopic: '⭐ Make it my topic',
    changeTopic: '📚 Change topic',
    changeTime: '⏰ Change time',
    pause: '⏸ Pause digests',
    resume: '▶️ Resume digests',
  },
};

export const ru: Messages = {
  confirmName: (name) =>
    `Привет! Я присылаю короткий ежедневный дайджест новостей и отвечаю на вопросы. Называть вас ${name}?`,
  askName: 'Как к вам обращаться? Напишите имя.',
  badName: 'Пожалуйста, пришлите имя длиной от 1 до 64 символов.',
  askTopic: (name) => `Приятно познакомиться, ${name}! Какая тема вам интереснее всего?`,
  askTime: (topic) =>
    `Тема: ${topic}. Когда присылать дайджест? Выберите время или напишите его, например 10:00 (время UTC).`,
  badTime: 'Не понял время. Напишите его так: 10:00, или нажмите кнопку.',
  timeAssigned: (time) => `Готово! Дайджест будет приходить каждый день в ${time} UTC.`,
  timeShifted: (requested, time) => `На ${requested} мест нет, поэтому дайджест будет приходить в ${time} UTC.`,
  timeFullOffer: (requested, offers) => `На ${requested} мест нет. Может быть, ${offers.join(', ')}?`,
  timeFullNoOffer: (requested) => `На ${requested} мест нет, как и на остальное время дня. Попробуйте другое время.`,
  onboardingDone: 'Задайте любой вопрос или откройте меню.',
  welcomeBack: (name) => `С возвращением, ${name}! Задайте любой вопрос или откройте меню.`,
  resumed: (time) => `Дайджесты снова включены: каждый день в ${time} UTC.`,
  stopped: 'Дайджесты на паузе. Отправьте /start, чтобы включить их снова. Вопросы задавать можно по-прежнему.',
  needStart: 'Сначала отправьте /start, чтобы настроить дайджест.',
  menuTitle: 'Меню',
  topicsTitle: 'Темы: нажмите, чтобы узнать подробнее.',
  topicCard: (title, blurb, isMine) => `${title}\n${blurb}${isMine ? '\n\nЭто ваша тема.' : ''}`,
  topicSet: (title) => `Теперь ваша тема: ${title}.`,
  settings: (topic, time, paused) => `Настройки\nТема: ${topic}\nДайджест: ${time}${paused ? ' (на паузе)' : ''}`,
  notSet: 'не выбрано',
  help: 'Задайте любой вопрос, и я отвечу. /topic и /time меняют дайджест, /pause и /resume ставят его на паузу и включают снова, /settings показывает всё сразу.',
  unknownCommand: 'Такой команды я не знаю. Попробуйте /help.',
  textOnly: 'Пока я понимаю только текстовые сообщения.',
  staleButton: 'Эта кнопка больше не работает. Вот меню.',
  slowDown: '⏳ Слишком много сообщений сразу. Следующие я прочитаю через минуту.',
  commands: {
    start: 'настроить ежедневный дайджест или включить его снова',
    help: 'что я умею',
    menu: 'главное меню',
    settings: 'ваша тема и время дайджеста',
    topic: 'сменить тему дайджеста',
    time: 'сменить время дайджеста',
    pause: 'поставить дайджесты на паузу',
    resume: 'включить дайджесты снова',
    stop: 'поставить дайджесты на паузу (как /pause)',
  },
  fallback: '⚠️ Извините, у нас что-то пошло не так. Попробуйте ещё раз через минуту.',
  buttons: {
    yes: '✅ Да',
    otherName: '✏️ Другое имя',
    topics: '📚 Темы',
    settings: '⚙️ Настройки',
    help: '❓ Помощь',
    back: '⬅️ Назад',
    chooseTopic: '⭐ Сделать моей темой',
    changeTopic: '📚 Сменить тему',
    changeTime: '⏰ Сменить время',
    pause: '⏸ Пауза',
    resume: '▶️ Возобновить',
  },
};

/** Two languages: Russian for `ru` users, English for everyone else. */
export type Language = 'en' | 'ru';

/**
 * @example
 * languageOf('ru-RU') // 'ru'
 * messagesFor('de').fallback.startsWith('⚠️') // true
 */
export function languageOf(languageCode: string | undefined | null): Language {
  return languageCode?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

export function messagesFor(languageCode: string | undefined | null): Messages {
  return languageOf(languageCode) === 'ru' ? ru : en;
}
