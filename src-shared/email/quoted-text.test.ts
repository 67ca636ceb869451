import { describe, expect, it } from 'vitest';
import { splitQuotedText } from './quoted-text.js';

describe('quoted history in plain-text mail', () => {
  it('finds Gmail\'s "On … wrote:", also when it wraps onto two lines', () => {
    const one = splitQuotedText('Thursday at 10 works.\n\nOn Tue, Dec 1, 2026 at 9:12 AM Lakeside <office@lakeside.example> wrote:\n> Could you come in?\n');
    expect(one).toEqual({ body: 'Thursday at 10 works.', quoted: 'On Tue, Dec 1, 2026 at 9:12 AM Lakeside <office@lakeside.example> wrote:\n> Could you come in?' });
    const wrapped = splitQuotedText('Thanks!\r\n\r\nOn Tue, Dec 1, 2026 at 9:12 AM Lakeside Collision <\r\noffice@lakeside.example> wrote:\r\n\r\n> Could you come in?');
    expect(wrapped.body).toBe('Thanks!');
    expect(wrapped.quoted?.startsWith('On Tue, Dec 1')).toBe(true);
  });

  it("finds Outlook's header block and its translations", () => {
    const outlook = splitQuotedText('Photos attached.\n\nDana\n\n________________________________\nFrom: Lakeside Collision <office@lakeside.example>\nSent: Tuesday, December 1, 2026 9:12 AM\nTo: Dana Reyes\nSubject: RO 1042\n\nPlease send photos.');
    expect(outlook.body).toBe('Photos attached.\n\nDana');
    expect(outlook.quoted?.split('\n')[1]).toBe('From: Lakeside Collision <office@lakeside.example>');
    expect(splitQuotedText('OK.\n-----Original Message-----\nFrom: x').body).toBe('OK.');
    expect(splitQuotedText('Danke.\n\nVon: Werkstatt\nGesendet: Dienstag\nBetreff: Schaden').quoted).toBe('Von: Werkstatt\nGesendet: Dienstag\nBetreff: Schaden');
    expect(splitQuotedText('Merci.\n\nLe mar. 1 déc. 2026 à 09:12, Atelier <a@b.fr> a écrit :\n> Bonjour').body).toBe('Merci.');
    expect(splitQuotedText('Gracias.\n\nEl mar, 1 dic 2026 a las 9:12, Taller escribió:\n> Hola').body).toBe('Gracias.');
  });

  it('folds a trailing run of "> " lines, not a quote in the middle of a reply', () => {
    expect(splitQuotedText('Rental booked.\n\n> Is the rental covered?\n>\n> Thanks\n\n')).toEqual({ body: 'Rental booked.', quoted: '> Is the rental covered?\n>\n> Thanks' });
    const inline = splitQuotedText('> Is the rental covered?\nYes, for 10 days.\n> Who pays the deductible?\nThe customer.');
    expect(inline.quoted).toBeNull();
  });

  it('folds nothing when there is no history, or when the mail is only the quote', () => {
    expect(splitQuotedText('The car is ready.\nFrom: the front desk')).toEqual({ body: 'The car is ready.\nFrom: the front desk', quoted: null });
    expect(splitQuotedText('On Friday we will call you.\nRegards')).toEqual({ body: 'On Friday we will call you.\nRegards', quoted: null });
    expect(splitQuotedText('---------- Forwarded message ---------\nFrom: Dana\nDate: Tue\n\nPhotos')).toEqual({ body: '---------- Forwarded message ---------\nFrom: Dana\nDate: Tue\n\nPhotos', quoted: null });
    expect(splitQuotedText('')).toEqual({ body: '', quoted: null });
  });

  it('keeps text in other scripts and emoji as it came', () => {
    const text = '👍 Спасибо, 明天见\n\nOn Mon, Dana wrote:\n> 🚗 Ready?';
    expect(splitQuotedText(text)).toEqual({ body: '👍 Спасибо, 明天见', quoted: 'On Mon, Dana wrote:\n> 🚗 Ready?' });
  });
});
