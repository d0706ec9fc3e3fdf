// SPDX-License-Identifier: GPL-3.0-or-later
//
// The official Node SDK (alipay-sdk 4.x) against AuthSim's mock gateway, unchanged: codes come
// from real my.getAuthCode calls allowed in a running engine (the gateway harness), the SDK
// signs with app-private.pem and verifies with gateway-public.pem.
//
// Environment: AUTHSIM_HARNESS (the gateway-harness binary), AUTHSIM_NPM_DIR (a directory
// whose node_modules holds alipay-sdk). Run through tests/gateway/run-sdk-test.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const npmDir = process.env.AUTHSIM_NPM_DIR;
const harnessPath = process.env.AUTHSIM_HARNESS;
assert.ok(npmDir, 'AUTHSIM_NPM_DIR is not set');
assert.ok(harnessPath, 'AUTHSIM_HARNESS is not set');

const require = createRequire(path.join(npmDir, 'package.json'));
const { AlipaySdk, AlipayRequestError } = require('alipay-sdk');
const sdkVersion = require('alipay-sdk/package.json').version;

// The harness process: one line per command, one line per answer.
class Harness {
  constructor () {
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'authsim-sdk-'));
    this.keysDir = path.join(this.tmp, 'keys');
    this.logFile = path.join(this.tmp, 'log.jsonl');
    this.lines = [];
    this.waiters = [];
  }

  async start () {
    this.child = spawn(harnessPath, ['--keys-dir', this.keysDir, '--port', '0',
                                     '--log', this.logFile],
                       { stdio: ['pipe', 'pipe', 'inherit'] });
    this.exited = new Promise(resolve => this.child.on('exit', resolve));
    const rl = createInterface({ input: this.child.stdout });
    rl.on('line', line => {
      const waiter = this.waiters.shift();
      if (waiter) waiter(line); else this.lines.push(line);
    });
    this.url = (await this.next()).replace(/^url /, '');
    assert.match(this.url, /^http:\/\/127\.0\.0\.1:\d+\/gateway\.do$/);
    assert.equal(await this.next(), `keys ${this.keysDir}`);
    this.appId = (await this.next()).replace(/^app_id /, '');
  }

  next () {
    if (this.lines.length > 0) return Promise.resolve(this.lines.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('harness did not answer')), 30000);
      this.waiters.push(line => { clearTimeout(timer); resolve(line); });
    });
  }

  async command (line) {
    this.child.stdin.write(line + '\n');
    return this.next();
  }

  // A fresh code from a tap-triggered getAuthCode call, the consent popup allowed.
  async code (scopes = 'auth_user') {
    const answer = await this.command(`code ${scopes}`);
    const m = /^code ([0-9A-Za-z]{32}) (\d+)$/.exec(answer);
    assert.ok(m, `unexpected harness answer: ${answer}`);
    return { code: m[1], call: Number(m[2]) };
  }

  events () {
    return fs.readFileSync(this.logFile, 'utf8').split('\n').filter(Boolean).map(JSON.parse);
  }

  async stop () {
    this.child.stdin.end('quit\n');
    await this.exited;
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

const harness = new Harness();
let sdk;

before(async () => {
  await harness.start();
  sdk = new AlipaySdk({
    appId: harness.appId,
    privateKey: fs.readFileSync(path.join(harness.keysDir, 'app-private.pem'), 'ascii'),
    keyType: 'PKCS8',
    alipayPublicKey: fs.readFileSync(path.join(harness.keysDir, 'gateway-public.pem'), 'ascii'),
    gateway: harness.url,
    endpoint: new URL(harness.url).origin,
    timeout: 20000,
  });
});

after(async () => {
  await harness.stop();
});

test(`alipay-sdk ${sdkVersion} is a 4.x release`, () => {
  assert.match(sdkVersion, /^4\./);
});

let token;

test('exec alipay.system.oauth.token with validateSign', async () => {
  const { code, call } = await harness.code('auth_user');
  const result = await sdk.exec('alipay.system.oauth.token', {
    grantType: 'authorization_code',
    code,
  }, { validateSign: true });

  assert.match(result.userId, /^2088\d{12}$/);
  assert.match(result.accessToken, /^authusrB/);
  assert.equal(result.expiresIn, 1296000);
  assert.equal(result.reExpiresIn, 2592000);
  assert.ok(result.refreshToken);
  assert.match(result.authStart, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  token = result;

  // The exchange is in the log, linked to the call that produced the code.
  const event = harness.events().filter(e => e.kind === 'gateway' && e.event === 'request').pop();
  assert.equal(event.method, 'alipay.system.oauth.token');
  assert.equal(event.version, 'v2');
  assert.equal(event.code, '10000');
  assert.equal(event.sub_code, null);
  assert.equal(event.call, call);
});

test('exec alipay.user.info.share, with and without validateSign', async () => {
  for (const validateSign of [true, false]) {
    const result = await sdk.exec('alipay.user.info.share', {
      authToken: token.accessToken,
    }, { validateSign });

    assert.equal(result.code, '10000');
    assert.equal(result.msg, 'Success');
    assert.equal(result.userId, token.userId);
    // The demo profile approves nickName, avatar, gender, province, city and mobile.
    assert.ok(result.nickName);
    assert.match(result.avatar, /^https?:\/\//);
    assert.match(result.gender, /^[FM]$/);
    assert.ok(result.city);
  }
});

test('exec: a replayed code is isv.code-invalid', async () => {
  const { code } = await harness.code('auth_user');
  const first = await sdk.exec('alipay.system.oauth.token', {
    grantType: 'authorization_code', code,
  });
  assert.ok(first.accessToken);

  const replay = await sdk.exec('alipay.system.oauth.token', {
    grantType: 'authorization_code', code,
  });
  assert.equal(replay.code, '40002');
  assert.equal(replay.msg, 'Invalid Arguments');
  assert.equal(replay.subCode, 'isv.code-invalid');
  assert.ok(replay.subMsg);
});

test('exec: refresh_token rotates the pair', async () => {
  const { code } = await harness.code('auth_user');
  const first = await sdk.exec('alipay.system.oauth.token', {
    grantType: 'authorization_code', code,
  }, { validateSign: true });
  const second = await sdk.exec('alipay.system.oauth.token', {
    grantType: 'refresh_token', refreshToken: first.refreshToken,
  }, { validateSign: true });

  assert.notEqual(second.accessToken, first.accessToken);
  const again = await sdk.exec('alipay.system.oauth.token', {
    grantType: 'refresh_token', refreshToken: first.refreshToken,
  });
  assert.equal(again.subCode, 'isv.refresh-token-invalid');
});

test('exec: an auth_base token cannot read user info', async () => {
  const { code } = await harness.code('auth_base');
  const base = await sdk.exec('alipay.system.oauth.token', {
    grantType: 'authorization_code', code,
  });
  assert.match(base.accessToken, /^authbseB/);

  const result = await sdk.exec('alipay.user.info.share', { authToken: base.accessToken },
                                { validateSign: true });
  assert.equal(result.code, '40006');
  assert.equal(result.subCode, 'isv.insufficient-isv-permissions');
});

test('exec: a request signed with another key is isv.invalid-signature', async () => {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const stranger = new AlipaySdk({
    appId: harness.appId,
    privateKey,
    keyType: 'PKCS8',
    alipayPublicKey: fs.readFileSync(path.join(harness.keysDir, 'gateway-public.pem'), 'ascii'),
    gateway: harness.url,
  });
  const result = await stranger.exec('alipay.user.info.share', { authToken: token.accessToken },
                                     { validateSign: true });

  assert.equal(result.code, '40002');
  assert.equal(result.subCode, 'isv.invalid-signature');
  // The sub_msg shows the string the gateway verified.
  assert.match(result.subMsg, /验签字符串为：app_id=\d{16}&auth_token=authusrB/);
});

test('curl v3: oauth token, user info, and a replay', async () => {
  const { code } = await harness.code('auth_user');
  const { data, responseHttpStatus } = await sdk.curl('POST', '/v3/alipay/system/oauth/token', {
    body: { grant_type: 'authorization_code', code },
  });

  assert.equal(responseHttpStatus, 200);
  assert.match(data.user_id, /^2088\d{12}$/);
  assert.match(data.access_token, /^authusrB/);
  assert.equal(data.expires_in, 1296000);

  const info = await sdk.curl('POST', '/v3/alipay/user/info/share', {
    query: { auth_token: data.access_token },
  });
  assert.equal(info.responseHttpStatus, 200);
  assert.equal(info.data.user_id, data.user_id);
  assert.ok(info.data.nick_name);

  await assert.rejects(
    sdk.curl('POST', '/v3/alipay/system/oauth/token', {
      body: { grant_type: 'authorization_code', code },
    }),
    err => {
      assert.ok(err instanceof AlipayRequestError);
      assert.equal(err.code, 'code-invalid');
      assert.equal(err.responseHttpStatus, 400);
      return true;
    });

  await assert.rejects(
    sdk.curl('POST', '/v3/alipay/user/info/share', { query: { auth_token: 'nope' } }),
    err => {
      assert.equal(err.code, 'invalid-auth-token');
      assert.equal(err.responseHttpStatus, 401);
      assert.match(err.message, /无效的访问令牌/);
      return true;
    });
});
