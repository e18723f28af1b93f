// A refused URL's words for the cases the API tests cannot reach without DNS (a host name that
// resolves to a refused address, a redirect hop): the class is named, the resolved address never.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BODY_API_URL,
  refusedRedirectDetail,
  refusedUrlIssue,
  STORED_API_URL,
} from '../../src/features/bots/url-refusal.ts';
import { checkUrl, OutboundRefusedError } from '../../src/platform/http/index.ts';

const DEBUG_HINT = '; DEBUG=true allows private targets in development';

describe('the words of a refused api_url', () => {
  test('a host that resolves to a private, loopback or link-local address says so, and DEBUG=true opens it', () => {
    const cases = [
      ['resolved:private', 'a private network address'],
      ['resolved:loopback', 'a loopback address'],
      ['resolved:link_local', 'a link-local address'],
      ['resolved:ipv4_mapped:loopback', 'a loopback address'],
      ['resolved:nat64:private', 'a private network address'],
    ] as const;
    for (const [reason, words] of cases) {
      assert.deepEqual(refusedUrlIssue(reason, BODY_API_URL), {
        loc: ['body', 'api_url'],
        msg: `api_url's host resolves to ${words}${DEBUG_HINT}`,
        type: 'url_host_not_allowed',
      });
    }
  });

  test('what DEBUG=true does not open is said to be never allowed', () => {
    for (const reason of [
      'resolved:cloud_metadata',
      'resolved:invalid_address',
      'literal:nat64:cloud_metadata',
    ]) {
      assert.match(
        refusedUrlIssue(reason, BODY_API_URL).msg,
        /; this is never allowed, not even with DEBUG=true$/,
      );
    }
  });

  test('a scheme, credentials in the URL and an unreadable URL carry no DEBUG hint', () => {
    assert.deepEqual(refusedUrlIssue('scheme', BODY_API_URL), {
      loc: ['body', 'api_url'],
      msg: 'scheme not allowed: api_url must use http or https',
      type: 'url_scheme',
    });
    assert.equal(refusedUrlIssue('userinfo', BODY_API_URL).type, 'url_userinfo');
    assert.equal(refusedUrlIssue('invalid_url', BODY_API_URL).type, 'url_parsing');
  });

  test("the stored bot's URL is named as the stored one, at loc bot.api_url", () => {
    assert.deepEqual(refusedUrlIssue('resolved:private', STORED_API_URL), {
      loc: ['bot', 'api_url'],
      msg: `the stored api_url's host resolves to a private network address${DEBUG_HINT}`,
      type: 'url_host_not_allowed',
    });
  });

  test('a refused redirect hop is described by its target, in words', () => {
    assert.equal(
      refusedRedirectDetail('redirect:resolved:private'),
      "The bot answered with a redirect that was not followed: the redirect target's host resolves to a " +
        `private network address${DEBUG_HINT}`,
    );
    assert.equal(
      refusedRedirectDetail('redirect:scheme'),
      'The bot answered with a redirect that was not followed: scheme not allowed: the redirect target must use http or https',
    );
  });

  test('the words never carry the address a host name resolved to', async () => {
    const answers = ['10.20.30.40', '127.0.0.53', '169.254.169.254', 'fd12:3456::7', '::ffff:192.168.7.8'];
    for (const address of answers) {
      const family = address.includes(':') ? 6 : 4;
      const refused = await checkUrl('http://internal.example.com/', {
        resolver: async () => [{ address, family }],
      }).catch((error: unknown) => error);
      assert.ok(refused instanceof OutboundRefusedError, address);
      const words = [
        refusedUrlIssue(refused.reason, BODY_API_URL).msg,
        refusedRedirectDetail(`redirect:${refused.reason}`),
      ].join('\n');
      assert.match(words, /resolves to/);
      for (const part of address.split(/[.:]/).filter((p) => p.length > 1)) {
        assert.ok(!words.includes(part), `${address}: ${words}`);
      }
    }
  });
});
