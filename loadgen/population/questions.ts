import type { QuestionComplexity } from '../../scenarios/schema.ts';
import type { RandomStream } from './random.ts';

/** Languages the population speaks. */
export type Language = 'ru' | 'en';

/**
 * Question texts a real user would type, in Russian and English, from one-word greetings (which model
 * routing should send to the small model) to multi-part questions (the big model). `{topic}` is the
 * user's topic in their language.
 */
const SIMPLE: Record<Language, readonly string[]> = {
  ru: [
    'привет',
    'спасибо',
    'ок',
    'понятно',
    'спасибо, полезно!',
    'что нового?',
    'ещё',
    'доброе утро',
    'а подробнее?',
    'класс 👍',
  ],
  en: [
    'hi',
    'thanks',
    'ok',
    'got it',
    'thanks, useful!',
    "what's new?",
    'more',
    'good morning',
    'tell me more?',
    'nice 👍',
  ],
};

const MEDIUM: Record<Language, readonly string[]> = {
  ru: [
    'Что главное произошло в теме «{topic}» за эту неделю?',
    'Объясни простыми словами последние новости про {topic}',
    'Какие источники про {topic} ты бы посоветовал читать каждый день?',
    'Почему все сейчас обсуждают {topic}? Коротко, пожалуйста.',
    'Можешь сделать краткую выжимку по {topic} за вчера?',
    'Какие три события в {topic} стоит отслеживать в этом месяце?',
    'Что означает вчерашняя новость про {topic} для обычного человека?',
    'Дай пару фактов про {topic}, которые удивят моих друзей',
  ],
  en: [
    'What were the main {topic} stories this week?',
    'Explain the latest {topic} news in simple words',
    'Which {topic} sources would you recommend reading daily?',
    'Why is everyone talking about {topic} right now? Briefly, please.',
    "Can you summarise yesterday's {topic} news?",
    'Which three {topic} events should I follow this month?',
    "What does yesterday's {topic} news mean for an ordinary person?",
    'Give me a couple of {topic} facts that would surprise my friends',
  ],
};

/** Parts joined into multi-part questions: a context, two or three asks, and a format request. */
const COMPLEX_PARTS: Record<
  Language,
  { context: readonly string[]; asks: readonly string[]; format: readonly string[] }
> = {
  ru: {
    context: [
      'Я слежу за темой «{topic}» уже полгода, но запутался в последних событиях.',
      'Мне нужно завтра рассказать коллегам про {topic}, а времени почти нет.',
      'Читаю твой дайджест каждое утро, и у меня накопились вопросы про {topic}.',
    ],
    asks: [
      'Сравни две главные позиции, которые сейчас спорят в {topic}, и объясни, в чём их аргументы.',
      'Какие риски и возможности ты видишь на ближайший год?',
      'Что из этого уже подтверждено, а что пока только слухи?',
      'Как это повлияет на людей в России и в Европе по-разному?',
      'Какие цифры стоит запомнить, чтобы не выглядеть дилетантом?',
    ],
    format: [
      'Ответь по пунктам и в конце дай короткий вывод.',
      'Пожалуйста, не больше пяти абзацев и с примерами.',
      'Если можно, сначала краткий ответ, потом подробности.',
    ],
  },
  en: {
    context: [
      "I've followed {topic} for six months but I'm lost in the latest events.",
      'I have to brief my colleagues on {topic} tomorrow and have almost no time.',
      'I read your digest every morning and I have a few questions about {topic}.',
    ],
    asks: [
      'Compare the two main positions people argue about in {topic} and explain their arguments.',
      'What risks and opportunities do you see over the next year?',
      'What of this is confirmed and what is still rumour?',
      'How will it affect people in different countries differently?',
      'Which numbers should I remember so I do not sound like an amateur?',
    ],
    format: [
      'Answer point by point and finish with a short conclusion.',
      'Please keep it under five paragraphs, with examples.',
      'If possible, a short answer first, then the details.',
    ],
  },
};

/** Topic ids as users would write them; unknown topics are used as written. */
const TOPIC_NAMES: Record<Language, Readonly<Record<string, string>>> = {
  ru: {
    news: 'новости',
    tech: 'технологии',
    finance: 'финансы',
    science: 'наука',
    sport: 'спорт',
    travel: 'путешествия',
  },
  en: { news: 'news', tech: 'tech', finance: 'finance', science: 'science', sport: 'sport', travel: 'travel' },
};

/**
 * Every name of a topic a bot's button may use: the id and its Russian and English names.
 *
 * @example
 * topicNames('tech') // ['tech', 'технологии']
 */
export function topicNames(topic: string): string[] {
  return [
    ...new Set([topic, TOPIC_NAMES.ru[topic], TOPIC_NAMES.en[topic]].filter((n): n is string => n !== undefined)),
  ];
}

/** A question a virtual user asks, with the complexity it was drawn as (for per-kind analysis). */
export interface Question {
  text: string;
  complexity: QuestionComplexity;
}

/**
 * Draws one question in the user's language about their topic.
 *
 * @example
 * drawQuestion(rng, 'ru', 'tech', { simple: 1, medium: 1, complex: 1 })
 * // { text: 'Объясни простыми словами последние новости про технологии', complexity: 'medium' }
 */
export function drawQuestion(
  rng: RandomStream,
  language: Language,
  topic: string,
  weights: Readonly<Record<QuestionComplexity, number>>,
): Question {
  const complexity = rng.weighted(weights);
  const topicName = TOPIC_NAMES[language][topic] ?? topic;
  if (complexity === 'simple') return { text: rng.pick(SIMPLE[language]), complexity };
  const made = madeQuestions(language, topicName);
  // The draws are those of picking the parts themselves (pick draws one index), so a seed asks what it asked.
  if (complexity === 'medium') {
    const template = rng.int(0, MEDIUM[language].length - 1);
    const key = -1 - template;
    return {
      text: made.get(key) ?? remember(made, key, withTopic(MEDIUM[language][template]!, topicName)),
      complexity,
    };
  }
  const parts = COMPLEX_PARTS[language];
  const askCount = rng.int(2, 3);
  const asks: number[] = [];
  for (let i = 0; i < askCount; i++) {
    const ask = rng.int(0, parts.asks.length - 1);
    if (!asks.includes(ask)) asks.push(ask);
  }
  const context = rng.int(0, parts.context.length - 1);
  const format = rng.int(0, parts.format.length - 1);
  // One digit per part, base PART_BASE (0 = no third ask): a small integer, hashed as cheaply as a key can be.
  let key = context;
  for (let i = 0; i < MAX_ASKS; i++) key = key * PART_BASE + (i < asks.length ? asks[i]! + 1 : 0);
  key = key * PART_BASE + format;
  const text =
    made.get(key) ??
    remember(
      made,
      key,
      withTopic(
        [parts.context[context]!, ...asks.map((ask) => parts.asks[ask]!), parts.format[format]!].join(' '),
        topicName,
      ),
    );
  return { text, complexity };
}

/** Asks a complex question joins at most, and the base that numbers its parts (more than any part list holds). */
const MAX_ASKS = 3;
const PART_BASE =
  1 + Math.max(...Object.values(COMPLEX_PARTS).flatMap((p) => [p.context.length, p.asks.length, p.format.length]));

function withTopic(template: string, topicName: string): string {
  return template.replaceAll('{topic}', topicName);
}

/**
 * Each distinct question text made once, by language, topic and the parts drawn. Questions are a few thousand
 * combinations of the templates above, and the fake Telegram keeps each chat's last messages: a fresh copy of
 * the same text for every question was kept per update, and the young-generation collector copied it (about a
 * sixth of the bytes it copied per update of bench/loadgen.ts's ceiling scenario, measured in-process). Keyed by
 * the parts' indices rather than by the text: a key of topic and template text was a new 300-600 character
 * string per question, flattened and hashed on every lookup.
 */
function madeQuestions(language: Language, topicName: string): Map<number, string> {
  const byTopic = MADE_QUESTIONS[language];
  let made = byTopic.get(topicName);
  if (made === undefined) {
    made = new Map();
    byTopic.set(topicName, made);
  }
  return made;
}

/** Keeps `text` under `key` and returns it; past the bound it is returned unkept. */
function remember(made: Map<number, string>, key: number, text: string): string {
  // Topics come from the scenario, so the combinations are bounded; the cap only guards an unexpected caller.
  if (madeCount < MAX_MADE_QUESTIONS) {
    made.set(key, text);
    madeCount++;
  }
  return text;
}

const MADE_QUESTIONS: Record<Language, Map<string, Map<number, string>>> = { ru: new Map(), en: new Map() };
let madeCount = 0;
const MAX_MADE_QUESTIONS = 100_000;
