import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sanitizeSvg, decodeXmlText } from '../../../modalities/svg/sanitize.js';
import { isGlimpseError } from '../../../src/util/errors.js';
import { codeOf } from '../../helpers/errors.js';

const NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"';


describe('sanitizeSvg', () => {
  it('removes scripts, foreignObject and event handlers, keeps the rest byte for byte', () => {
    const src = `<svg ${NS} onload="alert(1)" width="10" height="10"><script>alert(1)</script><rect onclick="x()" width="5" height="5" fill="red"/><foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><p>hi</p></div></foreignObject><svg:script xmlns:svg="http://www.w3.org/2000/svg"/></svg>`;
    const r = sanitizeSvg(src);
    expect(r.svg).toBe(`<svg ${NS} width="10" height="10"><rect width="5" height="5" fill="red"/></svg>`);
    expect(r.removed).toEqual(expect.arrayContaining(['onload attribute', 'script element', 'onclick attribute', 'foreignObject element', 'svg:script element']));
  });

  it('drops external hrefs (files, http, svg data URLs) and keeps #refs and inline rasters', () => {
    const src =
      `<svg ${NS}><image href="/etc/passwd" width="5" height="5"/><image xlink:href="http://x.test/a.png" width="5" height="5"/>` +
      `<use href="#a"/><image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>` +
      `<image href="data:image/svg+xml;base64,PHN2Zy8+" width="1" height="1"/><feImage xlink:href="&#x2F;tmp/x.png"/><rect id="a" width="1" height="1"/></svg>`;
    const r = sanitizeSvg(src);
    expect(r.svg).not.toContain('/etc/passwd');
    expect(r.svg).not.toContain('http://x.test');
    expect(r.svg).not.toContain('svg+xml');
    expect(r.svg).not.toContain('x2F');
    expect(r.svg).toContain('href="#a"');
    expect(r.svg).toContain('data:image/png;base64');
    expect(r.removed.filter((x) => x.includes('href')).length).toBe(4);
  });

  it('removes @import rules and stylesheet processing instructions', () => {
    const src = `<?xml version="1.0"?><?xml-stylesheet href="evil.css"?><svg ${NS}><style>@import url(evil.css); rect { fill: red }</style><style><![CDATA[@import "x.css";]]></style><rect width="1" height="1"/></svg>`;
    const r = sanitizeSvg(src);
    expect(r.svg).not.toContain('@import');
    expect(r.svg).not.toContain('evil.css');
    expect(r.svg).toContain('<?xml version="1.0"?>');
    expect(r.svg).toContain('rect { fill: red }');
  });

  it('expands internal entities, drops external ones and bounds expansion (billion laughs)', () => {
    const src = `<!DOCTYPE svg [<!ENTITY R "<rect width='5' height='5'/>"><!ENTITY S "<script>x()</script>"><!ENTITY X SYSTEM "file:///etc/passwd">]><svg ${NS}>&R;&S;</svg>`;
    const r = sanitizeSvg(src);
    expect(r.svg).toContain("<rect width='5' height='5'/>");
    expect(r.svg).not.toContain('script');
    expect(r.svg).not.toContain('DOCTYPE');
    expect(r.removed).toContain('external entity "X"');
    let lol = '<!DOCTYPE svg [<!ENTITY a "lollollollollollollollollollol">';
    for (let i = 1; i < 10; i++) lol += `<!ENTITY ${String.fromCharCode(97 + i)} "${`&${String.fromCharCode(96 + i)};`.repeat(10)}">`;
    lol += `]><svg ${NS}><text>&j;</text></svg>`;
    expect(codeOf(() => sanitizeSvg(lol))).toBe('too_large');
  });

  it('enforces the byte, element and depth limits', () => {
    const many = `<svg ${NS}>${'<rect width="1" height="1"/>'.repeat(50)}</svg>`;
    expect(codeOf(() => sanitizeSvg(many, { limits: { maxElements: 10 } }))).toBe('too_large');
    expect(codeOf(() => sanitizeSvg(many, { limits: { maxBytes: 100 } }))).toBe('too_large');
    const deep = `<svg ${NS}>${'<g>'.repeat(100)}${'</g>'.repeat(100)}</svg>`;
    expect(codeOf(() => sanitizeSvg(deep))).toBe('too_large');
    expect(sanitizeSvg(deep, { limits: { maxDepth: 200 } }).depth).toBe(101);
    expect(sanitizeSvg(many).elements).toBe(51);
    expect(codeOf(() => sanitizeSvg(many, { limits: { maxBytes: -1 } }))).toBe('bad_config');
    const huge = `<svg ${NS}><!--${'x'.repeat(1 << 20)}--></svg>`;
    expect(codeOf(() => sanitizeSvg(huge))).toBe('too_large');
  });

  it('clamps feMorphology radii over maxMorphologyRadius render pixels, and only those', () => {
    const morph = (radius: string, filterAttrs = '') =>
      `<svg ${NS} viewBox="0 0 200 200"><filter id="f"${filterAttrs}><feMorphology radius="${radius}"/></filter><rect width="100" height="100" filter="url(#f)"/></svg>`;
    const size = { width: 256, height: 256 }; // 1.28 px per unit: 16 px = 12.5 units
    const huge = sanitizeSvg(morph('9999'), { renderSize: size });
    expect(huge.svg).toBe(morph('12.5'));
    expect(huge.removed).toEqual(['feMorphology radius "9999" (clamped to 12.5)']);
    expect(sanitizeSvg(morph('3 9999'), { renderSize: size }).svg).toBe(morph('3 12.5'));
    expect(sanitizeSvg(morph('3,9999'), { renderSize: size, limits: { maxMorphologyRadius: 64 } }).svg).toBe(morph('3 50'));
    // left alone: small radii, no render size, bounding-box units, values resvg ignores anyway
    for (const [src, opts] of [
      [morph('10'), { renderSize: size }],
      [morph('9999'), {}],
      [morph('0.9', ' primitiveUnits="objectBoundingBox"'), { renderSize: size }],
      [morph('10 20 30'), { renderSize: size }],
      [morph('NaN'), { renderSize: size }],
      [morph(''), { renderSize: size }],
    ] as const) {
      expect(sanitizeSvg(src, opts).svg).toBe(src);
    }
    // the scale comes from width/height and viewBox together: 10 units over 1000 px
    const wide = `<svg ${NS} width="1000" height="1000" viewBox="0 0 10 10"><filter id="f"><feMorphology radius="5"/></filter></svg>`;
    expect(sanitizeSvg(wide, { renderSize: { width: 1000, height: 1000 } }).svg).toContain('radius="0.16"');
    expect(codeOf(() => sanitizeSvg(morph('1'), { limits: { maxMorphologyRadius: 0 } }))).toBe('bad_config');
    // absurd render sizes or root attributes never throw; without a usable scale nothing is clamped
    for (const renderSize of [{ width: NaN, height: 256 }, { width: 0, height: 0 }, { width: -1, height: -1 }]) {
      expect(sanitizeSvg(morph('9999'), { renderSize }).svg).toBe(morph('9999'));
    }
    const odd = `<svg ${NS} width="0x" height="-5" viewBox="0 0 NaN 1"><filter id="f"><feMorphology radius="1e308 1e400"/></filter></svg>`;
    expect(codeOf(() => sanitizeSvg(odd, { renderSize: size }))).toBe('zero_viewbox');
  });

  it('clips userSpaceOnUse filter regions reaching over filterRegionMargin canvases past the canvas, and only those', () => {
    const doc = (filter: string, prim = '', root = 'viewBox="0 0 200 200"') =>
      `<svg ${NS} ${root}><filter id="f"${filter}><feGaussianBlur stdDeviation="2"${prim}/></filter><rect width="100" height="100" filter="url(#f)"/></svg>`;
    const U = ' filterUnits="userSpaceOnUse"';
    const huge = sanitizeSvg(doc(`${U} x="-10000" y="-10000" width="100000" height="100000"`, ' x="0" y="0" width="100000" height="100000"'));
    expect(huge.svg).toBe(doc(`${U} x="-100" y="-100" width="400" height="400"`, ' x="0" y="0" width="300" height="300"'));
    expect(huge.removed).toEqual([
      'filter region x="-10000" y="-10000" width="100000" height="100000" (clipped to x=-100 width=400 y=-100 height=400)',
      'primitive region x="0" y="0" width="100000" height="100000" (clipped to width=300 height=300)',
    ]);
    // percentages are of the viewport; the viewBox origin counts; the margin is a limit
    expect(sanitizeSvg(doc(`${U} width="1000%"`)).svg).toBe(doc(`${U} width="320"`)); // x defaults to -10%: -20 to 300
    // a missing attribute is inserted after the tag name where its default reaches too far (y:
    // -10%, height: 120%)
    const inserted = (src: string, attrs: string) => src.replace('<filter ', `<filter ${attrs} `);
    expect(sanitizeSvg(doc(`${U} x="-1e3" width="2e3"`), { limits: { filterRegionMargin: 0 } }).svg).toBe(inserted(doc(`${U} x="0" width="200"`), 'y="0" height="200"'));
    expect(sanitizeSvg(doc(`${U} x="0" width="5000"`, '', 'viewBox="-50 0 100 100"')).svg).toBe(doc(`${U} x="0" width="100"`, '', 'viewBox="-50 0 100 100"'));
    expect(sanitizeSvg(doc(`${U} x="-150"`)).svg).toBe(inserted(doc(`${U} x="-100"`), 'width="190"')); // -150 + 120%: 90
    // without viewBox: width/height in px are the canvas
    expect(sanitizeSvg(doc(`${U} height="9000"`, '', 'width="100px" height="50"')).svg).toBe(doc(`${U} height="80"`, '', 'width="100px" height="50"'));
    // left alone: bounding-box units, regions inside the margin, other units, wholly outside,
    // a primitive with only some of its region, primitives in bounding-box units, light positions
    for (const src of [
      doc(' x="-100" width="1000"'),
      doc(`${U} x="-50" width="300"`),
      doc(`${U} x="0" width="100000mm"`),
      doc(`${U} x="-100000" width="10"`),
      doc(`${U} x="NaN" width="1e999"`),
      doc(`${U} width="-5"`),
      doc(U, ' width="100000"'),
      doc(`${U} primitiveUnits="objectBoundingBox"`, ' x="0" width="100000"'),
      doc(U, '', 'width="10em" height="10em"'),
      `<svg ${NS} viewBox="0 0 200 200"><filter id="f"${U}><feDiffuseLighting><fePointLight x="100000" y="-100000" z="5"/></feDiffuseLighting></filter></svg>`,
    ]) {
      expect(sanitizeSvg(src).svg).toBe(src);
    }
    expect(codeOf(() => sanitizeSvg(doc(U), { limits: { filterRegionMargin: -1 } }))).toBe('bad_config');
  });

  it('says why malformed documents fail', () => {
    expect(codeOf(() => sanitizeSvg(''))).toBe('parse_error');
    expect(codeOf(() => sanitizeSvg(`<svg ${NS}><rect width="1"`))).toBe('parse_error');
    expect(codeOf(() => sanitizeSvg(`<svg ${NS}><g></svg>`))).toBe('parse_error');
    expect(codeOf(() => sanitizeSvg(`<svg ${NS}><g>`))).toBe('parse_error');
    expect(codeOf(() => sanitizeSvg(`<svg ${NS}><rect width=1/></svg>`))).toBe('parse_error');
    expect(codeOf(() => sanitizeSvg('<html><body/></html>'))).toBe('not_svg');
    expect(codeOf(() => sanitizeSvg('just text'))).toBe('not_svg');
    expect(codeOf(() => sanitizeSvg(`<svg ${NS} viewBox="0 0 0 10"><rect/></svg>`))).toBe('zero_viewbox');
    expect(codeOf(() => sanitizeSvg(`<svg ${NS} width="0" height="10"><rect/></svg>`))).toBe('zero_viewbox');
    expect(codeOf(() => sanitizeSvg(`<svg ${NS}></svg><svg ${NS}></svg>`))).toBe('parse_error');
    try {
      sanitizeSvg(`<svg ${NS}><g>`, { name: 'model.svg' });
    } catch (e) {
      expect((e as Error).message).toMatch(/^model\.svg: unclosed <g>/);
    }
  });

  it('adds the SVG (and xlink) namespace to a root that lacks it', () => {
    const r = sanitizeSvg('<svg viewBox="0 0 1 1"><use xlink:href="#a"/></svg>');
    expect(r.svg).toBe('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 1 1"><use xlink:href="#a"/></svg>');
    expect(r.added).toEqual(['xmlns', 'xmlns:xlink']);
    expect(sanitizeSvg(`<svg ${NS}/>`).added).toEqual([]);
  });

  it('keeps unicode text and attribute values with > inside quotes', () => {
    const src = `<svg ${NS}><text x="1" y="2" data-x="a>b">héllo 世界 🎉</text></svg>`;
    expect(sanitizeSvg(src).svg).toBe(src);
  });

  it('decodes character references', () => {
    expect(decodeXmlText('&#x2F;a&amp;b&#47;&lt;')).toBe('/a&b/<');
  });

  it('never throws anything but a GlimpseError, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `<svg ${NS}>${s}</svg>`), fc.string().map((s) => `<svg ${s}`)), (s) => {
        try {
          const r = sanitizeSvg(s);
          expect(typeof r.svg).toBe('string');
        } catch (e) {
          expect(isGlimpseError(e)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('output of arbitrary element soup never contains a script or an on* handler', () => {
    const tag = fc.constantFrom('script', 'g', 'rect', 'foreignObject', 'a', 'image', 'SCRIPT');
    const attr = fc.constantFrom('onload="x"', 'href="x.png"', 'fill="red"', 'ONCLICK="y"', 'xlink:href="/etc/x"', 'href="#a"');
    const el = fc.tuple(tag, fc.array(attr, { maxLength: 3 }), fc.boolean()).map(([t, a, self]) => (self ? `<${t} ${a.join(' ')}/>` : `<${t} ${a.join(' ')}>t</${t}>`));
    fc.assert(
      fc.property(fc.array(el, { maxLength: 12 }), (els) => {
        const r = sanitizeSvg(`<svg ${NS}>${els.join('')}</svg>`);
        expect(r.svg.toLowerCase()).not.toMatch(/<script|<foreignobject|\son\w+=|href="(?!#)/);
      }),
      { numRuns: 300 },
    );
  });
});
