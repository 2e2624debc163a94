/**
 * The fixed topic list, as data: the onboarding keyboard, topic browsing and the digest prompt all
 * read it. Ids go into callback data (64-byte limit), so they stay short and ASCII.
 */
export interface Topic {
  id: string;
  emoji: string;
  title: { en: string; ru: string };
  /** One line shown when browsing topics (the cheap path: no LLM involved). */
  blurb: { en: string; ru: string };
}

export const TOPICS: readonly Topic[] = [
  {
    id: 'technology',
    emoji: '💻',
    title: { en: 'Technology', ru: 'Технологии' },
    blurb: { en: 'Gadgets, software and the companies behind them.', ru: 'Гаджеты, софт и компании за ними.' },
  },
  {
    id: 'science',
    emoji: '🔬',
    title: { en: 'Science', ru: 'Наука' },
    blurb: { en: 'Discoveries, space and research news.', ru: 'Открытия, космос и новости исследований.' },
  },
  {
    id: 'business',
    emoji: '📈',
    title: { en: 'Business', ru: 'Бизнес' },
    blurb: { en: 'Markets, startups and the economy.', ru: 'Рынки, стартапы и экономика.' },
  },
  {
    id: 'sport',
    emoji: '⚽',
    title: { en: 'Sport', ru: 'Спорт' },
    blurb: { en: 'Results, transfers and the big events.', ru: 'Результаты, трансферы и главные события.' },
  },
  {
    id: 'culture',
    emoji: '🎭',
    title: { en: 'Culture', ru: 'Культура' },
    blurb: { en: 'Books, films, music and exhibitions.', ru: 'Книги, кино, музыка и выставки.' },
  },
  {
    id: 'health',
    emoji: '🩺',
    title: { en: 'Health', ru: 'Здоровье' },
    blurb: { en: 'Medicine, fitness and well-being.', ru: 'Медицина, спорт и самочувствие.' },
  },
];

/** @example findTopic('technology')?.title.en // 'Technology' */
export function findTopic(id: string): Topic | undefined {
  return TOPICS.find((topic) => topic.id === id);
}

/** The digest times offered as buttons, minutes of day (10:00 is the peak every run is about). */
export const DIGEST_TIME_CHOICES: readonly number[] = [7 * 60, 8 * 60, 9 * 60, 10 * 60, 12 * 60, 18 * 60, 21 * 60];
