/** The export formats (shared/export-format.ts): the Web Annotation JSON-LD of a known image, and the plain export's check. */
import { expect, test } from 'vitest';
import { CHAT_EXPORT_FORMAT, CHAT_EXPORT_VERSION, ExportFormatError, parseChatExport, toWebAnnotations, type ChatExport } from '../../shared/index.js';

const pat = { id: 'sso:42', name: 'Pat' };
const kim = { id: 'u-kim', name: 'Kim' };
const known: ChatExport = {
  format: CHAT_EXPORT_FORMAT, version: CHAT_EXPORT_VERSION, tenantId: 'acme', exportedAt: '2026-12-04T00:00:00.000Z',
  images: [{ urlId: 'https://shop.acme.example/floor-1.png', chats: [
    { id: 'c-1', number: 1, x: 0.07, y: 0.315, author: pat, createdAt: 0, resolved: true, comments: [
      { id: 'k-1', author: pat, text: 'Load-bearing?', createdAt: 0, editedAt: null },
      { id: 'k:2', author: kim, text: 'No.', createdAt: 60_000, editedAt: 120_000 },
    ] },
  ] }],
};

test('a marker is a commenting Annotation on the image at a point; each further comment a reply targeting it', () => {
  const doc = toWebAnnotations(known);
  expect(doc['@context']).toEqual(['http://www.w3.org/ns/anno.jsonld', { ic: 'urn:image-chat:terms#', 'ic:resolved': { '@type': 'http://www.w3.org/2001/XMLSchema#boolean' } }]);
  expect(doc['@graph']).toEqual([
    {
      id: 'urn:image-chat:acme:c-1', type: 'Annotation', motivation: 'commenting', 'ic:resolved': true,
      creator: { id: 'urn:image-chat:acme:author:sso%3A42', type: 'Person', name: 'Pat' }, created: '1970-01-01T00:00:00.000Z',
      body: { id: 'urn:image-chat:acme:c-1:k-1', type: 'TextualBody', purpose: 'commenting', value: 'Load-bearing?', format: 'text/plain',
        creator: { id: 'urn:image-chat:acme:author:sso%3A42', type: 'Person', name: 'Pat' }, created: '1970-01-01T00:00:00.000Z' },
      target: { source: 'https://shop.acme.example/floor-1.png',
        selector: { type: 'FragmentSelector', conformsTo: 'http://www.w3.org/TR/media-frags/', value: 'xywh=percent:7,31.5,0,0' } },
    },
    {
      id: 'urn:image-chat:acme:c-1:k%3A2', type: 'Annotation', motivation: 'replying',
      creator: { id: 'urn:image-chat:acme:author:u-kim', type: 'Person', name: 'Kim' },
      created: '1970-01-01T00:01:00.000Z', modified: '1970-01-01T00:02:00.000Z',
      body: { type: 'TextualBody', purpose: 'replying', value: 'No.', format: 'text/plain' },
      target: 'urn:image-chat:acme:c-1',
    },
  ]);
});

test('the plain export reads back as it was written, and anything else is refused saying where', () => {
  expect(parseChatExport(JSON.parse(JSON.stringify(known)))).toEqual(known);
  expect(() => parseChatExport(toWebAnnotations(known))).toThrow(new ExportFormatError('"format" must be "image-chat-export" (a JSON-LD export cannot be imported)'));
  expect(() => parseChatExport({ ...known, version: 2 })).toThrow('"version" 2 is not one this server reads (1)');
  const badX = structuredClone(known);
  (badX.images[0]!.chats[0] as { x: unknown }).x = 1.5;
  expect(() => parseChatExport(badX)).toThrow('images[0].chats[0].x must be a number from 0 to 1');
  const noText = structuredClone(known);
  (noText.images[0]!.chats[0]!.comments[1] as { text: unknown }).text = 7;
  expect(() => parseChatExport(noText)).toThrow('images[0].chats[0].comments[1].text must be a string of at most 4000 characters');
  const script = structuredClone(known);
  script.images[0]!.chats[0]!.comments[0]!.author = { id: 'x', name: 'X', avatar: 'javascript:alert(1)' };
  expect(() => parseChatExport(script)).toThrow('images[0].chats[0].comments[0].author.avatar must be an https URL or a small data:image URL');
});

test('an import holds only text both stores keep byte for byte: no half characters, no controls but tab and newline in comments', () => {
  const half = structuredClone(known);
  half.images[0]!.chats[0]!.comments[0]!.text = 'broken \ud83d';
  expect(() => parseChatExport(half)).toThrow('images[0].chats[0].comments[0].text holds half a character or a control character');
  const nul = structuredClone(known);
  nul.images[0]!.chats[0]!.comments[0]!.author = { id: 'x', name: 'A\u0000B' };
  expect(() => parseChatExport(nul)).toThrow('images[0].chats[0].comments[0].author.name holds half a character or a control character');
  const lines = structuredClone(known);
  lines.images[0]!.chats[0]!.comments[0]!.text = 'two\nlines\tand a tab';
  expect(parseChatExport(lines).images[0]!.chats[0]!.comments[0]!.text).toBe('two\nlines\tand a tab');
  const longName = structuredClone(known);
  longName.images[0]!.chats[0]!.comments[0]!.author = { id: 'sso:e', name: `a${'😀'.repeat(63)}` };
  expect(parseChatExport(longName).images[0]!.chats[0]!.comments[0]!.author.name).toHaveLength(127);
});
