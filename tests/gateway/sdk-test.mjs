// SPDX-License-Identifier: GPL-3.0-or-later
//
// The official Node SDK (alipay-sdk 4.x) against AuthSim's mock gateway, unchanged. The codes
// come from a running app: `authsim --headless --answer allow` on a private session bus, asked
// for my.getAuthCode calls through its D-Bus `call` action (the standing answer allows the
// popup); each code is read back from the call's `success` callback in the JSON Lines log. The
// SDK signs with data/keys/app-private.pem and verifies with data/keys/gateway-public.pem.
// A second app runs in certificate mode (--sign-mode cert, SPEC §13): an SDK configured with
// its app-cert.crt, gateway-cert.crt, root-cert.crt and aes.key, as a production backend is.
// my.getPhoneNumber's answers (SPEC §11.2) are read from the log the same way and checked as a
// backend does with the SDK: rsaCheck over the quoted ciphertext, aesDecrypt with aes.key.
//
// Environment: AUTHSIM_BIN (the authsim binary), AUTHSIM_NPM_DIR (a directory whose
// node_modules holds alipay-sdk), a private session bus (DBUS_SESSION_BUS_ADDRESS). Run
// through tests/gateway/run-sdk-test, which provides all three.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const npmDir = process.env.AUTHSIM_NPM_DIR;
const binary = process.env.AUTHSIM_BIN;
assert.ok(npmDir, 'AUTHSIM_NPM_DIR is not set');
assert.ok(binary, 'AUTHSIM_BIN is not set');
assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, 'no session bus (run through run-sdk-test)');

const require = createRequire(path.join(npmDir, 'package.json'));
const { AlipaySdk, AlipayRequestError } = require('alipay-sdk');
const sdkVersion = require('alipay-sdk/package.json').version;

const APP_ID = 'io.github.authsim.AuthSim';
const DEADLINE = 20000;  // ms any wait may take before the test fails
const run = promisify(execFile);

// GVariant text for a string: single-quoted, with backslash escapes.
function gvariantString (text) {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

// `authsim --headless` in server mode, driven through `gapplication action`.
class App {
  constructor (extraArgs = []) {
    this.extraArgs = extraArgs;
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'authsim-sdk-'));
    this.dataDir = path.join(this.tmp, 'data');
    this.keysDir = path.join(this.dataDir, 'keys');
    this.logFile = path.join(this.tmp, 'log.jsonl');
    this.stdout = '';
    this.stderr = '';
    this.status = null;
  }

  async start () {
    // Private XDG directories: nothing of the developer's AuthSim is read or written.
    const env = { ...process.env };
    for (const dir of ['home', 'config', 'state', 'cache', 'xdg-data'])
      fs.mkdirSync(path.join(this.tmp, dir), { mode: 0o700 });
    Object.assign(env, {
      HOME: path.join(this.tmp, 'home'),
      XDG_CONFIG_HOME: path.join(this.tmp, 'config'),
      XDG_STATE_HOME: path.join(this.tmp, 'state'),
      XDG_CACHE_HOME: path.join(this.tmp, 'cache'),
      XDG_DATA_HOME: path.join(this.tmp, 'xdg-data'),
    });

    this.child = spawn(binary, ['--headless', '--answer', 'allow', '--gateway-port', '0',
                                '--log', this.logFile, '--data-dir', this.dataDir,
                                ...this.extraArgs],
                       { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.child.stdout.setEncoding('utf8').on('data', s => { this.stdout += s; });
    this.child.stderr.setEncoding('utf8').on('data', s => { this.stderr += s; });
    this.exited = new Promise(resolve => this.child.on('exit', (code, signal) => {
      this.status = signal ? signal : code;
      resolve(this.status);
    }));

    // Server mode prints the URL on stdout once the gateway listens, then serves; the bus name
    // is taken once everything is ready.
    const m = await this.waitFor(() => /^authsim: gateway listening on (\S+)$/m.exec(this.stdout),
                                 'the "gateway listening" line on stdout');
    this.url = m[1];
    assert.match(this.url, /^http:\/\/127\.0\.0\.1:\d+\/gateway\.do$/);
    await run('gdbus', ['wait', '--session', '--timeout', String(DEADLINE / 1000), APP_ID],
              { timeout: DEADLINE + 5000 });

    // The log starts with the gateway's listening event (SPEC §6), with the same URL.
    const listening = this.events()[0];
    assert.equal(listening.kind, 'gateway');
    assert.equal(listening.event, 'listening');
    assert.equal(listening.url, this.url);

    // The app id the codes are issued for: that of a call, here one that fails at once (a
    // web-view has no my.getAuthCode) and so leaves no code or grant behind.
    const marker = await this.call({ params: { scopes: 'auth_base' }, container: 'web-view' });
    this.appId = marker.event.appId;
    assert.match(this.appId, /^\d{16}$/);
  }

  // Polls @predicate until it returns a true value, which is returned.
  async waitFor (predicate, what) {
    const end = Date.now() + DEADLINE;
    for (;;) {
      const value = predicate();
      if (value) return value;
      if (this.status !== null)
        throw new Error(`authsim exited (${this.status}) while waiting for ${what}\n${this.stderr}`);
      if (Date.now() > end)
        throw new Error(`timed out after ${DEADLINE} ms waiting for ${what}\n${this.stderr}`);
      await sleep(20);
    }
  }

  // The complete lines of the JSON Lines log, parsed (a line still being written is skipped).
  events () {
    let data;
    try {
      data = fs.readFileSync(this.logFile, 'utf8');
    } catch (e) {
      if (e.code === 'ENOENT') return [];
      throw e;
    }
    const lines = data.split('\n');
    lines.pop();
    return lines.filter(Boolean).map(line => JSON.parse(line));
  }

  lastSeq () {
    const events = this.events();
    return events.length > 0 ? events[events.length - 1].seq : 0;
  }

  // The first event after seq @after whose fields equal @fields.
  waitEvent (after, fields) {
    const what = JSON.stringify(fields);
    return this.waitFor(() => this.events().find(e => e.seq > after &&
        Object.entries(fields).every(([k, v]) => e[k] === v)), what);
  }

  async action (name, parameter) {
    await run('gapplication', ['action', APP_ID, name, parameter], { timeout: DEADLINE });
  }

  // Makes a call through the D-Bus `call` action; returns its `call` event and the payload of
  // its first callback (success or fail).
  async call (request) {
    const before = this.lastSeq();
    await this.action('call', gvariantString(JSON.stringify(request)));
    const event = await this.waitEvent(before, { kind: 'call' });
    assert.deepEqual(event.params, request.params);
    const callback = await this.waitFor(() => this.events().find(e =>
        e.seq > event.seq && e.call === event.call && e.kind === 'callback' &&
        (e.callback === 'success' || e.callback === 'fail')), `the callback of call ${event.call}`);
    return { event, callback };
  }

  // A fresh code from a tap-triggered getAuthCode call, the popup (if any) allowed.
  async code (scopes = 'auth_user') {
    const { event, callback } = await this.call({ params: { scopes } });
    assert.equal(event.trigger, 'tap');
    assert.equal(callback.callback, 'success', JSON.stringify(callback.payload));
    const code = callback.payload.authCode;
    assert.match(code, /^[0-9A-Za-z]{32}$/);
    assert.deepEqual(callback.payload.authSuccessScopes, [scopes]);
    return { code, call: event.call };
  }

  // The gateway's `request` event for the first request after seq @after.
  gatewayEvent (after) {
    return this.waitEvent(after, { kind: 'gateway', event: 'request' });
  }

  async stop () {
    if (this.status === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), DEADLINE);
    await this.exited;
    clearTimeout(timer);
    return this.status;
  }
}

const app = new App();
let sdk;

before(async () => {
  await app.start();
  sdk = new AlipaySdk({
    appId: app.appId,
    privateKey: fs.readFileSync(path.join(app.keysDir, 'app-private.pem'), 'ascii'),
    keyType: 'PKCS8',
    alipayPublicKey: fs.readFileSync(path.join(app.keysDir, 'gateway-public.pem'), 'ascii'),
    gateway: app.url,
    endpoint: new URL(app.url).origin,
    timeout: 20000,
  });
});

after(async () => {
  if (app.child && app.status === null) await app.stop();
  fs.rmSync(app.tmp, { recursive: true, force: true });
});

test(`alipay-sdk ${sdkVersion} is a 4.x release`, () => {
  assert.match(sdkVersion, /^4\./);
});

let token;
let tokenCall;

test('exec alipay.system.oauth.token with validateSign', async () => {
  const { code, call } = await app.code('auth_user');
  const before = app.lastSeq();
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
  tokenCall = call;

  // The exchange is in the app's log, linked to the D-Bus call that produced the code.
  const event = await app.gatewayEvent(before);
  assert.equal(event.method, 'alipay.system.oauth.token');
  assert.equal(event.version, 'v2');
  assert.equal(event.code, '10000');
  assert.equal(event.sub_code, null);
  assert.equal(event.call, call);
  assert.equal(app.events().filter(e => e.seq > before && e.kind === 'gateway').length, 1);
});

test('exec alipay.user.info.share, with and without validateSign', async () => {
  for (const validateSign of [true, false]) {
    const before = app.lastSeq();
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

    // Linked to the call whose code the token came from.
    const event = await app.gatewayEvent(before);
    assert.equal(event.method, 'alipay.user.info.share');
    assert.equal(event.code, '10000');
    assert.equal(event.call, tokenCall);
  }
});

test('exec: a replayed code is isv.code-invalid', async () => {
  const { code, call } = await app.code('auth_user');
  const first = await sdk.exec('alipay.system.oauth.token', {
    grantType: 'authorization_code', code,
  });
  assert.ok(first.accessToken);

  const before = app.lastSeq();
  const replay = await sdk.exec('alipay.system.oauth.token', {
    grantType: 'authorization_code', code,
  });
  assert.equal(replay.code, '40002');
  assert.equal(replay.msg, 'Invalid Arguments');
  assert.equal(replay.subCode, 'isv.code-invalid');
  assert.ok(replay.subMsg);

  // Even the failed replay is linked to the call that produced the code.
  const event = await app.gatewayEvent(before);
  assert.equal(event.code, '40002');
  assert.equal(event.sub_code, 'isv.code-invalid');
  assert.equal(event.call, call);
});

test('exec: refresh_token rotates the pair', async () => {
  const { code, call } = await app.code('auth_user');
  const first = await sdk.exec('alipay.system.oauth.token', {
    grantType: 'authorization_code', code,
  }, { validateSign: true });
  const before = app.lastSeq();
  const second = await sdk.exec('alipay.system.oauth.token', {
    grantType: 'refresh_token', refreshToken: first.refreshToken,
  }, { validateSign: true });

  assert.notEqual(second.accessToken, first.accessToken);
  const event = await app.gatewayEvent(before);
  assert.equal(event.code, '10000');
  assert.equal(event.call, call);

  const again = await sdk.exec('alipay.system.oauth.token', {
    grantType: 'refresh_token', refreshToken: first.refreshToken,
  });
  assert.equal(again.subCode, 'isv.refresh-token-invalid');
});

test('exec: an auth_base token cannot read user info', async () => {
  const { code, call } = await app.code('auth_base');
  const base = await sdk.exec('alipay.system.oauth.token', {
    grantType: 'authorization_code', code,
  });
  assert.match(base.accessToken, /^authbseB/);

  const before = app.lastSeq();
  const result = await sdk.exec('alipay.user.info.share', { authToken: base.accessToken },
                                { validateSign: true });
  assert.equal(result.code, '40006');
  assert.equal(result.subCode, 'isv.insufficient-isv-permissions');
  const event = await app.gatewayEvent(before);
  assert.equal(event.sub_code, 'isv.insufficient-isv-permissions');
  assert.equal(event.call, call);
});

test('exec: a request signed with another key is isv.invalid-signature', async () => {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const stranger = new AlipaySdk({
    appId: app.appId,
    privateKey,
    keyType: 'PKCS8',
    alipayPublicKey: fs.readFileSync(path.join(app.keysDir, 'gateway-public.pem'), 'ascii'),
    gateway: app.url,
  });
  const result = await stranger.exec('alipay.user.info.share', { authToken: token.accessToken },
                                     { validateSign: true });

  assert.equal(result.code, '40002');
  assert.equal(result.subCode, 'isv.invalid-signature');
  // The sub_msg shows the string the gateway verified.
  assert.match(result.subMsg, /验签字符串为：app_id=\d{16}&auth_token=authusrB/);
});

test('curl v3: oauth token, user info, and a replay', async () => {
  const { code, call } = await app.code('auth_user');
  let before = app.lastSeq();
  const { data, responseHttpStatus } = await sdk.curl('POST', '/v3/alipay/system/oauth/token', {
    body: { grant_type: 'authorization_code', code },
  });

  assert.equal(responseHttpStatus, 200);
  assert.match(data.user_id, /^2088\d{12}$/);
  assert.match(data.access_token, /^authusrB/);
  assert.equal(data.expires_in, 1296000);
  let event = await app.gatewayEvent(before);
  assert.equal(event.version, 'v3');
  assert.equal(event.method, 'alipay.system.oauth.token');
  assert.equal(event.code, '10000');
  assert.equal(event.call, call);

  before = app.lastSeq();
  const info = await sdk.curl('POST', '/v3/alipay/user/info/share', {
    query: { auth_token: data.access_token },
  });
  assert.equal(info.responseHttpStatus, 200);
  assert.equal(info.data.user_id, data.user_id);
  assert.ok(info.data.nick_name);
  event = await app.gatewayEvent(before);
  assert.equal(event.version, 'v3');
  assert.equal(event.method, 'alipay.user.info.share');
  assert.equal(event.call, call);

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

// ------------------------------------------------------------------------------------------
// my.getPhoneNumber: what the mini program hands its backend, verified and decrypted as Alipay
// documents it, with no gateway call.
// ------------------------------------------------------------------------------------------

const PHONE_40003 = {
  code: '40003', msg: 'Insufficient Conditions', subCode: 'isv.invalid-auth-relations',
  subMsg: '无效的授权关系',
};
const PHONE_40006 = {
  code: '40006', msg: 'Insufficient Permissions', subCode: 'isv.insufficient-isv-permissions',
  subMsg: 'ISV权限不足，建议在开发者中心检查对应功能是否已经添加，解决办法详见：' +
          'https://docs.open.alipay.com/common/isverror',
};

// The mobile number of the test user @userId, as the shipped users file has it ("" if none).
function mobileOf (userId) {
  const file = path.join(process.env.AUTHSIM_SOURCE_ROOT, 'data', 'demo-users.json');
  const user = JSON.parse(fs.readFileSync(file, 'utf8')).users.find(u => u.userId === userId);
  assert.ok(user, `no test user ${userId}`);
  return user.info.mobile ?? '';
}

// A backend's SDK for @instance: its keys, and @encryptKey (default: the app's aes.key).
function backendSdk (instance, encryptKey) {
  return new AlipaySdk({
    appId: instance.appId,
    privateKey: fs.readFileSync(path.join(instance.keysDir, 'app-private.pem'), 'ascii'),
    keyType: 'PKCS8',
    alipayPublicKey: fs.readFileSync(path.join(instance.keysDir, 'gateway-public.pem'), 'ascii'),
    encryptKey: encryptKey ?? fs.readFileSync(path.join(instance.keysDir, 'aes.key'), 'ascii').trim(),
    gateway: instance.url,
  });
}

// Calls my.getPhoneNumber through D-Bus; returns its call event, its success callback from the
// log and the envelope the response string holds.
async function phoneNumber (instance) {
  const { event, callback } = await instance.call({ api: 'getPhoneNumber', params: null });
  assert.equal(callback.callback, 'success', JSON.stringify(callback.payload));
  assert.deepEqual(Object.keys(callback.payload), ['response']);
  assert.equal(typeof callback.payload.response, 'string');
  const envelope = JSON.parse(callback.payload.response);
  assert.deepEqual(Object.keys(envelope), ['response', 'sign', 'sign_type', 'encrypt_type',
                                           'charset']);
  assert.equal(envelope.sign_type, 'RSA2');
  assert.equal(envelope.encrypt_type, 'AES');
  assert.equal(envelope.charset, 'UTF-8');
  assert.match(envelope.response, /^[A-Za-z0-9+/]+=*$/);
  return { event, callback, envelope };
}

// Verifies and decrypts as a backend does; returns the plaintext, parsed.
function openEnvelope (backend, envelope, callback) {
  const c = envelope.response;
  assert.ok(backend.rsaCheck('"' + c + '"', envelope.sign, 'RSA2'),
            'rsaCheck over the quoted ciphertext');
  assert.ok(!backend.rsaCheck(c, envelope.sign, 'RSA2'), 'the sign covers the quotes');
  const plaintext = backend.aesDecrypt(c);
  // The log shows the backend's plaintext, byte for byte.
  assert.equal(plaintext, callback.plaintext);
  return JSON.parse(plaintext);
}

test('getPhoneNumber: rsaCheck over the quoted ciphertext, aesDecrypt to the mobile', async () => {
  const backend = backendSdk(app);

  // No phoneNumber grant yet: an encrypted 40003.
  let { event, callback, envelope } = await phoneNumber(app);
  assert.deepEqual(openEnvelope(backend, envelope, callback), PHONE_40003);

  // Granted through a getAuthorize button (the standing answer allows its popup).
  const before = app.lastSeq();
  await app.action('tap-authorize', gvariantString('phoneNumber'));
  await app.waitEvent(before, { kind: 'callback', callback: 'onGetAuthorize' });

  ({ event, callback, envelope } = await phoneNumber(app));
  assert.deepEqual(openEnvelope(backend, envelope, callback),
                   { code: '10000', msg: 'Success', mobile: mobileOf(event.userId) });
  assert.match(mobileOf(event.userId), /^1\d{10}$/);

  // Another user: another number, the overseas one as it is.
  await app.action('set-user', gvariantString('2088607719385956'));
  const tapped = app.lastSeq();
  await app.action('tap-authorize', gvariantString('phoneNumber'));
  await app.waitEvent(tapped, { kind: 'callback', callback: 'onGetAuthorize' });
  ({ event, callback, envelope } = await phoneNumber(app));
  assert.equal(event.userId, '2088607719385956');
  assert.deepEqual(openEnvelope(backend, envelope, callback),
                   { code: '10000', msg: 'Success', mobile: '1-1234432112' });

  // A wrong key does not decrypt; a wrong public key does not verify.
  const wrongKey = backendSdk(app, randomBytes(16).toString('base64'));
  let wrong;
  try {
    wrong = wrongKey.aesDecrypt(envelope.response);
  } catch {
    wrong = null;
  }
  assert.notEqual(wrong, callback.plaintext);
  assert.ok(wrong === null || !/"code":"10000"/.test(wrong), `decrypted with a wrong key: ${wrong}`);
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const otherGateway = new AlipaySdk({
    appId: app.appId,
    privateKey: fs.readFileSync(path.join(app.keysDir, 'app-private.pem'), 'ascii'),
    keyType: 'PKCS8',
    alipayPublicKey: publicKey.export({ type: 'spki', format: 'pem' }),
  });
  assert.ok(!otherGateway.rsaCheck('"' + envelope.response + '"', envelope.sign, 'RSA2'));
  await app.action('set-user', gvariantString('2088102164830201'));
});

test('the app stops cleanly on SIGTERM, without warnings', async () => {
  const status = await app.stop();
  assert.equal(status, 0, app.stderr);
  assert.doesNotMatch(app.stderr, /-WARNING|-CRITICAL/);
});

test('getPhoneNumber of a personal app: an encrypted 40006', async () => {
  const profile = JSON.parse(fs.readFileSync(path.join(process.env.AUTHSIM_SOURCE_ROOT, 'data',
                                                       'demo-profile.json'), 'utf8'));
  profile.type = 'personal';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsim-sdk-profile-'));
  const file = path.join(dir, 'personal.json');
  fs.writeFileSync(file, JSON.stringify(profile));
  const personal = new App(['--profile', file]);
  try {
    await personal.start();
    const { callback, envelope } = await phoneNumber(personal);
    assert.deepEqual(openEnvelope(backendSdk(personal), envelope, callback), PHONE_40006);
    assert.equal(await personal.stop(), 0, personal.stderr);
  } finally {
    if (personal.child && personal.status === null) await personal.stop();
    fs.rmSync(personal.tmp, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ------------------------------------------------------------------------------------------
// Certificate mode (公钥证书) and AES content encryption (SPEC §13), with the app started with
// --sign-mode cert: the SDK configured with AuthSim's three certificate files and aes.key.
// ------------------------------------------------------------------------------------------

const certApp = new App(['--sign-mode', 'cert']);
let certSdk;
let certToken;

// A backend's SDK in certificate mode for @instance (@extra: more of the SDK's config).
function certModeSdk (instance, extra = {}) {
  const read = name => fs.readFileSync(path.join(instance.keysDir, name), 'ascii');
  return new AlipaySdk({
    appId: instance.appId,
    privateKey: read('app-private.pem'),
    keyType: 'PKCS8',
    appCertContent: read('app-cert.crt'),
    alipayPublicCertContent: read('gateway-cert.crt'),
    alipayRootCertContent: read('root-cert.crt'),
    encryptKey: read('aes.key').trim(),
    gateway: instance.url,
    endpoint: new URL(instance.url).origin,
    timeout: 20000,
    ...extra,
  });
}

after(async () => {
  if (certApp.child && certApp.status === null) await certApp.stop();
  fs.rmSync(certApp.tmp, { recursive: true, force: true });
});

test('cert mode: the SNs the SDK computes from the files are the gateway\'s', async t => {
  await certApp.start();
  certSdk = certModeSdk(certApp);
  const listening = certApp.events()[0];
  assert.equal(listening.sign_mode, 'cert');
  assert.equal(certSdk.config.appCertSn, listening.app_cert_sn);
  assert.equal(certSdk.config.alipayCertSn, listening.alipay_cert_sn);
  assert.equal(certSdk.config.alipayRootCertSn, listening.alipay_root_cert_sn);
  // Two RSA roots, the ECDSA one skipped, as in Alipay's bundle.
  assert.match(certSdk.config.alipayRootCertSn, /^[0-9a-f]{32}_[0-9a-f]{32}$/);
  t.diagnostic(`app_cert_sn ${certSdk.config.appCertSn}, alipay_cert_sn ${certSdk.config.alipayCertSn}, ` +
               `alipay_root_cert_sn ${certSdk.config.alipayRootCertSn}`);
});

test('cert mode: exec oauth.token with validateSign, user.info.share with and without', async () => {
  const { code, call } = await certApp.code('auth_user');
  let before = certApp.lastSeq();
  certToken = await certSdk.exec('alipay.system.oauth.token', {
    grantType: 'authorization_code', code,
  }, { validateSign: true });
  assert.match(certToken.accessToken, /^authusrB/);
  let event = await certApp.gatewayEvent(before);
  assert.equal(event.code, '10000');
  assert.equal(event.call, call);
  assert.equal(event.sign_mode, 'cert');
  assert.equal(event.encrypted, false);

  for (const validateSign of [true, false]) {
    before = certApp.lastSeq();
    const result = await certSdk.exec('alipay.user.info.share', {
      authToken: certToken.accessToken,
    }, { validateSign });
    assert.equal(result.code, '10000');
    assert.equal(result.userId, certToken.userId);
    event = await certApp.gatewayEvent(before);
    assert.equal(event.sign_mode, 'cert');
  }
});

test('cert mode: curl v3 for both methods, the SDK checking alipay-sn', async () => {
  const { code } = await certApp.code('auth_user');
  const token = await certSdk.curl('POST', '/v3/alipay/system/oauth/token', {
    body: { grant_type: 'authorization_code', code },
  });
  assert.equal(token.responseHttpStatus, 200);
  assert.match(token.data.access_token, /^authusrB/);
  const info = await certSdk.curl('POST', '/v3/alipay/user/info/share', {
    query: { auth_token: token.data.access_token },
  });
  assert.equal(info.responseHttpStatus, 200);
  assert.equal(info.data.user_id, token.data.user_id);

  // The answers carry alipay-sn, which the SDK compares with its Alipay certificate's SN.
  const other = certModeSdk(certApp);
  other.config.alipayCertSn = '0123456789abcdef0123456789abcdef';
  await assert.rejects(
    other.curl('POST', '/v3/alipay/user/info/share', {
      query: { auth_token: token.data.access_token },
    }),
    err => {
      assert.equal(err.code, 'response-alipay-sn-verify-error');
      assert.match(err.message, new RegExp(certSdk.config.alipayCertSn));
      return true;
    });
});

test('cert mode: a key-mode SDK is isv.missing-app-cert-sn', async () => {
  const keyMode = new AlipaySdk({
    appId: certApp.appId,
    privateKey: fs.readFileSync(path.join(certApp.keysDir, 'app-private.pem'), 'ascii'),
    keyType: 'PKCS8',
    alipayPublicKey: fs.readFileSync(path.join(certApp.keysDir, 'gateway-public.pem'), 'ascii'),
    gateway: certApp.url,
  });
  const result = await keyMode.exec('alipay.user.info.share', { authToken: certToken.accessToken });
  assert.equal(result.code, '40002');
  assert.equal(result.subCode, 'isv.missing-app-cert-sn');
  assert.equal(result.subMsg, '缺少应用公钥证书序列号');
});

test('cert mode: a wrong appCertSn or alipayRootCertSn is refused', async () => {
  const wrongApp = certModeSdk(certApp);
  wrongApp.config.appCertSn = wrongApp.config.alipayCertSn;
  let result = await wrongApp.exec('alipay.user.info.share', { authToken: certToken.accessToken });
  assert.equal(result.subCode, 'isv.app-cert-not-exist');
  assert.equal(result.subMsg, '应用公钥证书不存在');

  const wrongRoot = certModeSdk(certApp);
  wrongRoot.config.alipayRootCertSn = wrongRoot.config.alipayRootCertSn.split('_')[0];
  result = await wrongRoot.exec('alipay.user.info.share', { authToken: certToken.accessToken });
  assert.equal(result.subCode, 'isv.invalid-alipay-root-cert-sn');
  assert.equal(result.subMsg, '无效支付宝根证书序列号');

  await assert.rejects(
    wrongRoot.curl('POST', '/v3/alipay/user/info/share', {
      query: { auth_token: certToken.accessToken },
    }),
    err => {
      assert.equal(err.code, 'invalid-alipay-root-cert-sn');
      assert.equal(err.responseHttpStatus, 400);
      return true;
    });
});

test('AES: needEncrypt over v2 (without validateSign) and v3', async () => {
  let before = certApp.lastSeq();
  const v2 = await certSdk.exec('alipay.user.info.share', {
    authToken: certToken.accessToken, bizContent: {}, needEncrypt: true,
  });
  assert.equal(v2.code, '10000');
  assert.equal(v2.userId, certToken.userId);
  assert.ok(v2.nickName);
  const event = await certApp.gatewayEvent(before);
  assert.equal(event.encrypted, true);
  assert.equal(event.sign_mode, 'cert');

  const { code } = await certApp.code('auth_user');
  const token = await certSdk.curl('POST', '/v3/alipay/system/oauth/token', {
    body: { grant_type: 'authorization_code', code }, needEncrypt: true,
  });
  assert.equal(token.responseHttpStatus, 200);
  assert.match(token.data.access_token, /^authusrB/);
  before = certApp.lastSeq();
  const info = await certSdk.curl('POST', '/v3/alipay/user/info/share', {
    query: { auth_token: token.data.access_token }, body: {}, needEncrypt: true,
  });
  assert.equal(info.data.user_id, token.data.user_id);
  assert.equal((await certApp.gatewayEvent(before)).encrypted, true);
});

test('AES: a wrong encryptKey is isv.decryption-error-unknown', async () => {
  const wrongKey = certModeSdk(certApp, { encryptKey: randomBytes(16).toString('base64') });
  const result = await wrongKey.exec('alipay.user.info.share', {
    authToken: certToken.accessToken, bizContent: {}, needEncrypt: true,
  });
  assert.equal(result.code, '40003');
  assert.equal(result.subCode, 'isv.decryption-error-unknown');
  assert.equal(result.subMsg, '解密出错, 未知错误');

  await assert.rejects(
    wrongKey.curl('POST', '/v3/alipay/user/info/share', {
      query: { auth_token: certToken.accessToken }, body: {}, needEncrypt: true,
    }),
    err => {
      assert.equal(err.code, 'decryption-error-unknown');
      assert.equal(err.responseHttpStatus, 400);
      return true;
    });
});

test('cert mode: the app stops cleanly', async () => {
  assert.equal(await certApp.stop(), 0, certApp.stderr);
  assert.doesNotMatch(certApp.stderr, /-WARNING|-CRITICAL/);
});
