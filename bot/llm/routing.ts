/**
 * Model routing: a cheap, explainable complexity score for one turn, so simple turns go to the small model
 * (Haiku) and only turns that need reasoning pay for the big one. No LLM call is spent on the decision.
 *
 * The score is a weighted sum of four features, each in 0..1, clamped to 0..1:
 *
 * | feature    | weight | what raises it                                                              |
 * | ---------- | ------ | --------------------------------------------------------------------------- |
 * | length     | 0.35   | words in the turn, saturating at 60 words                                   |
 * | reasoning  | 0.25   | "why", "how does", "explain", "compare", "analyze", "pros and cons" (en/ru) |
 * | technical  | 0.20   | code (backticks, braces, `=>`, keywords), or several numbers to work with  |
 * | multiPart  | 0.20   | two or more questions, a numbered/bulleted list, or "and also"/"а также"    |
 *
 * Greetings, thanks and navigation ("hi", "спасибо", "menu", "/help", "how do I change the time") are capped
 * at 0.1: they are the cheap path even when they contain a question word.
 */

export interface ComplexityScore {
  /** 0 (trivial) .. 1 (needs the big model). */
  score: number;
  features: { length: number; reasoning: number; technical: number; multiPart: number; navigation: boolean };
}

export const ROUTING_WEIGHTS = { length: 0.35, reasoning: 0.25, technical: 0.2, multiPart: 0.2 } as const;
const LENGTH_SATURATION_WORDS = 60;
const NAVIGATION_CAP = 0.1;

const REASONING =
  /\b(why|how (do|does|did|can|could|would|should|is|are)|explain|compare|comparison|analy[sz]e|difference between|pros and cons|trade-?offs?|what if|evaluate|predict)\b|почему|зачем|объясни|сравни|сравнение|проанализируй|разница между|плюсы и минусы|что будет если|как работает|как устроен/i;
const CODE = /```|`[^`]+`|[{};]|=>|\b(function|const|let|def|class|import|select|return)\b/i;
const NUMBER = /\d+(?:[.,]\d+)?/g;
const LIST_ITEM = /(^|\n)\s*(\d+[.)]|[-*•])\s+/g;
const ALSO = /\b(and also|as well as|additionally)\b|а также|и ещё|кроме того/i;
const NAVIGATION =
  /^\s*(\/\w+|hi|hello|hey|thanks?( you)?|thx|ok(ay)?|yes|no|menu|help|start|stop|pause|resume|settings|привет|здравствуйте|спасибо|ок|да|нет|меню|помощь|настройки|пауза)\W*$|\b(change|set|switch) (my |the )?(topic|time)\b|(смени|поменя|измени)\w* (тему|время)|what time is my digest|когда (придёт|приходит) дайджест/i;

/**
 * Scores one turn.
 *
 * @example
 * complexityScore('thanks!').score // 0
 * complexityScore('Explain why rates rose and compare 2023 with 2024: 1) mortgages 2) deposits').score // >= 0.5
 */
export function complexityScore(text: string): ComplexityScore {
  const words = text.trim().split(/\s+/).filter(Boolean).length;
  const length = Math.min(1, words / LENGTH_SATURATION_WORDS);
  const reasoning = REASONING.test(text) ? 1 : 0;
  const numbers = text.match(NUMBER)?.length ?? 0;
  const technical = CODE.test(text) ? 1 : numbers >= 3 ? 1 : numbers >= 1 ? 0.5 : 0;
  const questions = (text.match(/\?/g) ?? []).length;
  const listItems = (text.match(LIST_ITEM) ?? []).length;
  const multiPart = questions >= 2 || listItems >= 2 || ALSO.test(text) ? 1 : 0;
  const navigation = NAVIGATION.test(text);
  const raw =
    ROUTING_WEIGHTS.length * length +
    ROUTING_WEIGHTS.reasoning * reasoning +
    ROUTING_WEIGHTS.technical * technical +
    ROUTING_WEIGHTS.multiPart * multiPart;
  const score = Math.min(1, navigation ? Math.min(raw, NAVIGATION_CAP) : raw);
  return { score: Math.round(score * 1000) / 1000, features: { length, reasoning, technical, multiPart, navigation } };
}

export interface RoutingSettings {
  routing: boolean;
  routingThreshold: number;
  simpleModel: string;
  complexModel: string;
}

/**
 * The model for a question turn: the big model unless routing is on and the score is below the threshold.
 *
 * @example
 * chooseModel('hi', { routing: true, routingThreshold: 0.5, simpleModel: 'haiku', complexModel: 'sonnet' }) // 'haiku'
 */
export function chooseModel(text: string, settings: RoutingSettings): { model: string; score: number } {
  const { score } = complexityScore(text);
  if (!settings.routing) return { model: settings.complexModel, score };
  return { model: score >= settings.routingThreshold ? settings.complexModel : settings.simpleModel, score };
}
