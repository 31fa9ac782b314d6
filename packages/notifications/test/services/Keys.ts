/** A GitHub App key pair made for the tests (never a real app's). */
import * as crypto from 'node:crypto';

export const appKeys = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
export const APP_PRIVATE_KEY_PEM = appKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
