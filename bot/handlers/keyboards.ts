import { InlineKeyboard } from 'grammy';
import type { Language, Messages } from '../i18n/messages.ts';
import { formatTimeOfDay } from '../slotting/index.ts';
import { DIGEST_TIME_CHOICES, TOPICS } from '../topics.ts';
import { encodeAction } from './callback-data.ts';

/** The inline keyboards, built from data (topics, time choices) and the user's language. */

export function confirmNameKeyboard(m: Messages): InlineKeyboard {
  return new InlineKeyboard()
    .text(m.buttons.yes, encodeAction({ type: 'name-ok' }))
    .text(m.buttons.otherName, encodeAction({ type: 'name-change' }));
}

/** Topics two per row; `pick` answers an onboarding/settings question, `view` opens a topic card. */
export function topicsKeyboard(lang: Language, purpose: 'pick' | 'view', m?: Messages): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  TOPICS.forEach((topic, index) => {
    const data = encodeAction({ type: purpose === 'pick' ? 'topic-pick' : 'topic-view', topicId: topic.id });
    keyboard.text(`${topic.emoji} ${topic.title[lang]}`, data);
    if (index % 2 === 1) keyboard.row();
  });
  if (m) keyboard.row().text(m.buttons.back, encodeAction({ type: 'menu' }));
  return keyboard;
}

export function timesKeyboard(minutes: readonly number[] = DIGEST_TIME_CHOICES): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  minutes.forEach((minute, index) => {
    keyboard.text(formatTimeOfDay(minute), encodeAction({ type: 'time', minute }));
    if (index % 4 === 3) keyboard.row();
  });
  return keyboard;
}

export function mainMenuKeyboard(m: Messages): InlineKeyboard {
  return new InlineKeyboard()
    .text(m.buttons.topics, encodeAction({ type: 'topics' }))
    .text(m.buttons.settings, encodeAction({ type: 'settings' }))
    .row()
    .text(m.buttons.help, encodeAction({ type: 'help' }));
}

export function topicCardKeyboard(m: Messages, topicId: string, isMine: boolean): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  if (!isMine) keyboard.text(m.buttons.chooseTopic, encodeAction({ type: 'topic-set', topicId })).row();
  return keyboard.text(m.buttons.back, encodeAction({ type: 'topics' }));
}

export function settingsKeyboard(m: Messages, paused: boolean): InlineKeyboard {
  return new InlineKeyboard()
    .text(m.buttons.changeTopic, encodeAction({ type: 'settings-topic' }))
    .text(m.buttons.changeTime, encodeAction({ type: 'settings-time' }))
    .row()
    .text(paused ? m.buttons.resume : m.buttons.pause, encodeAction({ type: paused ? 'resume' : 'pause' }))
    .text(m.buttons.back, encodeAction({ type: 'menu' }));
}

export function backToMenuKeyboard(m: Messages): InlineKeyboard {
  return new InlineKeyboard().text(m.buttons.back, encodeAction({ type: 'menu' }));
}
