import { DEFAULT_SCRYPT, hashPassword, parsePasswordHash, verifyPassword } from '../../broker/password-hash.js';

const FAST = { N: 1024, r: 8, p: 1 };

describe('password hashes', () => {
  it('verifies the password it was made from, with the default cost', async () => {
    const hash = await hashPassword('correct horse battery staple');
    const { N, r, p } = DEFAULT_SCRYPT;
    expect(hash.split('$').slice(0, 4)).toEqual(['scrypt', `${N}`, `${r}`, `${p}`]);
    expect(hash).toMatch(/^scrypt(\$\d+){3}\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    await expect(verifyPassword('correct horse battery staple', hash)).resolves.toBe(true);
  });

  it('refuses a wrong password', async () => {
    const hash = await hashPassword('right', FAST);
    await expect(verifyPassword('wrong', hash)).resolves.toBe(false);
    await expect(verifyPassword('', hash)).resolves.toBe(false);
    await expect(verifyPassword('right ', hash)).resolves.toBe(false);
  });

  it('salts every hash, so the same password never gives the same string', async () => {
    const [a, b] = await Promise.all([hashPassword('same', FAST), hashPassword('same', FAST)]);
    expect(a).not.toBe(b);
    await expect(verifyPassword('same', a)).resolves.toBe(true);
    await expect(verifyPassword('same', b)).resolves.toBe(true);
  });

  it('takes the password as bytes, as MQTT delivers it', async () => {
    const hash = await hashPassword('pässwörd', FAST);
    await expect(verifyPassword(Buffer.from('pässwörd', 'utf8'), hash)).resolves.toBe(true);
  });

  it('refuses to hash an empty password', async () => {
    await expect(hashPassword('')).rejects.toThrow('the password is empty');
  });

  it.each([
    ['plain text', 'is not of the form scrypt$N$r$p$salt$hash'],
    ['bcrypt$10$abc$def$ghi$jkl', 'is not of the form'],
    ['scrypt$1000$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', 'must be a power of two'],
    ['scrypt$2097152$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', 'must be a power of two from 2 to 1048576'],
    ['scrypt$1024$0$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', 'has r=0'],
    ['scrypt$1024$8$1$c2Fs$aGFzaGhhc2hoYXNoaGFzaA', 'salt shorter than 8 bytes'],
    ['scrypt$1024$8$1$c2FsdHNhbHQ$aGFzaA', 'hash shorter than 16 bytes'],
    ['scrypt$1024$8$1$not*base64$aGFzaGhhc2hoYXNoaGFzaA', 'not base64'],
  ])('rejects the stored hash %j: %s', (stored, message) => {
    expect(() => parsePasswordHash(stored)).toThrow(message);
  });
});
