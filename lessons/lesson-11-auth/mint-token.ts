// Makes a token, the way a login service would after checking a password (you do not edit this
// file). It signs with $AUTH_SECRET, else the development secret the lesson's server also uses
// when AUTH_SECRET is not set:
//   npx tsx lessons/lesson-11-auth/mint-token.ts alice        a token for alice, valid 10 minutes
//   npx tsx lessons/lesson-11-auth/mint-token.ts alice 0.5    valid 30 seconds
//   TOKEN=$(npx tsx lessons/lesson-11-auth/mint-token.ts alice) npx tsx lessons/lesson-11-auth/client.ts
import { isMain } from '../../lib/program.ts';
import { DEV_SECRET, signToken } from './tokens.ts';

if (isMain(import.meta.url)) {
  const [sub = 'alice', minutes = '10'] = process.argv.slice(2);
  const lifetime = Number(minutes);
  if (sub.length === 0 || sub.length > 64 || !(lifetime > 0)) {
    console.error('usage: npx tsx mint-token.ts <user, 1 to 64 characters> [minutes valid, default 10]');
    process.exit(2);
  }
  console.log(signToken(process.env.AUTH_SECRET ?? DEV_SECRET, { sub, exp: Date.now() + lifetime * 60_000 }));
}
