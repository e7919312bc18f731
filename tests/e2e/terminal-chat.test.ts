import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalChat } from '../../src/bots/terminal/terminal.adapter.js';
import { DATA_DIR, startTestApp, type TestApp } from '../helpers/app.js';

/** Drives the terminal chat line by line, as a person or a pipe would, and returns what it printed. */
class Session {
  private out = '';
  readonly chat: TerminalChat;
  constructor(t: TestApp, user = 'tester') {
    const output = new PassThrough();
    output.on('data', (chunk: Buffer) => (this.out += chunk.toString('utf8')));
    this.chat = new TerminalChat({ handler: t.app.handler, input: new PassThrough(), output, userId: user });
  }
  async say(line: string): Promise<string> {
    const before = this.out.length;
    await this.chat.line(line);
    return this.out.slice(before);
  }
}

const titlesIn = (text: string) => [...text.matchAll(/^\s+\d+\. (.+?)(?: \(\d{4}\))? ·/gm)].map((m) => m[1]);

describe('terminal chat, end to end on the real catalogue', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 180_000);
  afterAll(async () => t?.dispose());

  it('given a feeling, answers with the mood and five ranked picks with reasons', async () => {
    const s = new Session(t, 'feeling');
    const out = await s.say('I feel rough today');
    expect(out).toMatch(/You seem (low|anxious)/);
    expect(titlesIn(out)).toHaveLength(5);
    expect(out).toMatch(/Rate a pick: \/rate/);
  });

  it('given a new user who rates three picks, the next picks are different', async () => {
    const s = new Session(t, 'rater');
    const first = titlesIn(await s.say("can't stop smiling"));
    expect(first).toHaveLength(5);
    expect(await s.say('/rate 1 5')).toMatch(/Saved: 5★/);
    expect(await s.say('/rate 2 1')).toMatch(/Saved: 1★/);
    expect(await s.say('/rate 3 no')).toMatch(/not for you/);
    const second = titlesIn(await s.say("can't stop smiling"));
    expect(second).toHaveLength(5);
    expect(second).not.toEqual(first);
    for (const rated of first.slice(0, 3)) expect(second).not.toContain(rated);
  });

  it('given /settings changes, shows and applies them', async () => {
    const s = new Session(t, 'settings');
    expect(await s.say('/settings')).toMatch(/mood strategy: auto/);
    expect(await s.say('/settings strategy lift')).toMatch(/lift my mood/);
    expect(await s.say('/settings avoid horror, nonsense')).toMatch(/don't know the genre\(s\) nonsense/);
  });

  it('given /help and an unknown command, answers clearly', async () => {
    const s = new Session(t, 'help');
    expect(await s.say('/help')).toMatch(/\/watchparty/);
    expect(await s.say('/frobnicate')).toMatch(/I don't know \/frobnicate/);
  });

  it('given a selfie before consent, asks first; after yes, reads the face and picks', async () => {
    const s = new Session(t, 'selfie');
    const photo = path.join(DATA_DIR, 'faces', 'samples', 'happy.jpg');
    expect(await s.say(`/selfie ${photo}`)).toMatch(/Is that OK\?/);
    expect(await s.say('/press yes')).toMatch(/Photo analysis is on/);
    const out = await s.say(`/selfie ${photo}`);
    expect(out).toMatch(/You seem happy/);
    expect(titlesIn(out)).toHaveLength(5);
  });

  it('given a missing file or a non-image as a selfie, explains and keeps going', async () => {
    const s = new Session(t, 'badselfie');
    await s.say(`/selfie ${path.join(DATA_DIR, 'faces', 'samples', 'happy.jpg')}`);
    await s.say('/press yes');
    expect(await s.say('/selfie /nowhere/photo.jpg')).toMatch(/no such file/);
    expect(await s.say(`/selfie ${path.join(DATA_DIR, 'README.md')}`)).toMatch(/⚠/);
    expect(await s.say('I feel great')).toMatch(/You seem/);
  });

  it('given /search and /review, finds the movie and stores the review as a rating', async () => {
    const s = new Session(t, 'critic');
    const found = await s.say('/search matrix 1999');
    expect(titlesIn(found)[0]).toBe('The Matrix');
    expect(await s.say('/review the matrix | brilliant, thrilling and beautiful')).toMatch(/reads positive/);
  });

  it('given /export then /forget, sends the data and then erases it', async () => {
    const s = new Session(t, 'leaver');
    await s.say('I feel rough today');
    await s.say('/rate 1 4');
    const exported = await s.say('/export');
    expect(exported).toMatch(/"rating": \[/);
    expect(await s.say('/forget')).toMatch(/cannot be undone/);
    expect(await s.say('/press yes')).toMatch(/Erased everything about you \(.*rating: 1/);
  });
});
