import { Injectable } from '@nestjs/common';
import { ZxcvbnFactory, type TranslationKeys } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

// NIST SP 800-63B: at least 8 (we require 12) and allow at least 64; the upper
// bound only protects the hashing and zxcvbn work from absurd inputs.
const MIN_LENGTH = 12;
const MAX_LENGTH = 256;
// zxcvbn scores 0-4; 3 means "safely unguessable: moderate protection from
// offline slow-hash scenario" (~10^10 guesses).
const MIN_SCORE = 3;

// English feedback: zxcvbn only returns translation keys unless given texts,
// and @zxcvbn-ts/language-en is not a dependency. Suggestions that push
// composition rules are reworded, since the policy deliberately has none.
const ENGLISH: TranslationKeys = {
  warnings: {
    straightRow: 'Straight rows of keys on your keyboard are easy to guess.',
    keyPattern: 'Short keyboard patterns are easy to guess.',
    simpleRepeat: 'Repeated characters like "aaa" are easy to guess.',
    extendedRepeat: 'Repeated character patterns like "abcabcabc" are easy to guess.',
    sequences: 'Common character sequences like "abc" are easy to guess.',
    recentYears: 'Recent years are easy to guess.',
    dates: 'Dates are easy to guess.',
    topTen: 'This is a heavily used password.',
    topHundred: 'This is a frequently used password.',
    common: 'This is a commonly used password.',
    similarToCommon: 'This is similar to a commonly used password.',
    wordByItself: 'Single words are easy to guess.',
    namesByThemselves: 'Single names or surnames are easy to guess.',
    commonNames: 'Common names and surnames are easy to guess.',
    userInputs: 'It should not contain your username or other personal details.',
    pwned: 'This password has appeared in a data breach.',
  },
  suggestions: {
    l33t: "Avoid predictable letter substitutions like '@' for 'a'.",
    reverseWords: 'Avoid reversed spellings of common words.',
    allUppercase: 'Add more words that are less common.',
    capitalization: 'Add more words that are less common.',
    dates: 'Avoid dates and years that are associated with you.',
    recentYears: 'Avoid recent years.',
    associatedYears: 'Avoid years that are associated with you.',
    sequences: 'Avoid common character sequences.',
    repeated: 'Avoid repeated words and characters.',
    longerKeyboardPattern: 'Avoid keyboard patterns.',
    anotherWord: 'Add more words that are less common.',
    useWords: 'Use several unrelated words, but avoid common phrases.',
    noNeed: 'You can create strong passwords without using symbols, numbers, or uppercase letters.',
    pwned: 'If you use this password elsewhere, change it there too.',
  },
  timeEstimation: {
    ltSecond: 'less than a second',
    second: '{base} second',
    seconds: '{base} seconds',
    minute: '{base} minute',
    minutes: '{base} minutes',
    hour: '{base} hour',
    hours: '{base} hours',
    day: '{base} day',
    days: '{base} days',
    month: '{base} month',
    months: '{base} months',
    year: '{base} year',
    years: '{base} years',
    centuries: 'centuries',
  },
};

/**
 * NIST SP 800-63B style policy: a length range plus a check against common,
 * breached-style and guessable passwords, and no composition rules (they push
 * users towards predictable patterns like "Password1!" without adding
 * strength).
 */
@Injectable()
export class PasswordPolicy {
  // Building the ranked dictionaries is the expensive part; done once.
  private readonly zxcvbn = new ZxcvbnFactory({
    dictionary,
    graphs: adjacencyGraphs,
    translations: ENGLISH,
  });

  /** Returns null when acceptable, otherwise a message to show the user. */
  check(password: string, userInputs: string[]): string | null {
    // Code points, not UTF-16 units: an emoji or CJK character is one
    // character to the user.
    const length = [...password].length;
    if (length < MIN_LENGTH) {
      return `Password must be at least ${MIN_LENGTH} characters long.`;
    }
    if (length > MAX_LENGTH) {
      return `Password must be at most ${MAX_LENGTH} characters long.`;
    }
    const { score, feedback } = this.zxcvbn.check(password, userInputs);
    if (score >= MIN_SCORE) {
      return null;
    }
    const advice = [feedback.warning, ...feedback.suggestions].filter(Boolean).join(' ');
    return `Password is too easy to guess: ${advice || ENGLISH.suggestions.anotherWord}`;
  }
}
