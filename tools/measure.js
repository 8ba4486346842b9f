// One slide of a deck, measured as the audience sees it (tools/browser.py runs this on every
// slide). MIN_BODY, MIN_CODE, MIN_PLOT and MIN_CONTRAST are filled in from tools/browser.py.
() => {
  const R = window.deck, slide = R.getCurrentSlide(), scale = R.getScale();
  const frame = document.querySelector('.reveal .slides').getBoundingClientRect();
  const left = frame.left, top = slide.getBoundingClientRect().top;
  const shown = el => { const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'; };
  const inNotes = el => !!el.closest('aside.notes');
  const inMaths = el => !!el.closest('.MathJax_CHTML, .MathJax_Preview, .MJX_Assistive_MathML, math');
  const ownText = el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  // MathJax's assistive MathML is for screen readers, clipped out of sight: not measured
  const els = [...slide.querySelectorAll('*')]
    .filter(el => !inNotes(el) && shown(el) && !el.closest('.MJX_Assistive_MathML'));
  const texts = els.filter(el => ownText(el) && !el.closest('svg') && !inMaths(el));
  const isCode = el => !!el.closest('pre, code, .highlight, .jp-OutputArea-output');
  const px = el => parseFloat(getComputedStyle(el).fontSize) * scale;
  const label = el => el.textContent.trim().slice(0, 40);
  const lum = c => { const m = c.match(/[\d.]+/g).map(Number);
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return [0.2126 * f(m[0]) + 0.7152 * f(m[1]) + 0.0722 * f(m[2]), m.length > 3 ? m[3] : 1]; };
  const background = el => { for (let e = el; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor; if (lum(c)[1] > 0.5) return c; }
    return 'rgb(255, 255, 255)'; };
  const contrast = el => { const a = lum(getComputedStyle(el).color)[0], b = lum(background(el))[0];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); };
  const small = (list, min) => list.filter(el => px(el) < min - 0.25)
    .map(el => `${px(el).toFixed(1)}px "${label(el)}"`);
  const plots = [...slide.querySelectorAll('.jp-OutputArea-output svg text')].filter(t => !inNotes(t) && shown(t))
    .map(t => { const svg = t.ownerSVGElement, vb = svg.viewBox.baseVal;
      const k = svg.getBoundingClientRect().width / (vb && vb.width ? vb.width : svg.width.baseVal.value);
      return [parseFloat(getComputedStyle(t).fontSize) * k, t.textContent.trim().slice(0, 30)]; });
  const blocks = [...slide.querySelectorAll('pre, .jp-OutputArea-output, .highlight')].filter(el => !inNotes(el) && shown(el));
  // code as typed on the slide (the input areas), and every piece of text the audience reads
  const code = [...slide.querySelectorAll('.jp-CodeCell .jp-InputArea')]
    .filter(el => !inNotes(el) && shown(el)).map(el => el.innerText).join('\n');
  const seen = slide.innerText;
  // a path of the machine that built the deck: a home, the data folder, ~/.keras, a temp folder
  const PATHS = /(?:^|[\s'"(=:])((?:\/(?:home|root|tmp|Users|work|mnt|var|opt|private)\/|~\/\.|[A-Z]:\\)[^\s'")]*)/g;
  // text of a plot that runs into other text of the same plot (labels drawn for a notebook)
  const boxes = [...slide.querySelectorAll('.jp-OutputArea-output svg text')]
    .filter(t => !inNotes(t) && shown(t) && t.textContent.trim())
    .map(t => [t.getBoundingClientRect(), t.textContent.trim().slice(0, 20), t.ownerSVGElement]);
  const overlapping = [];
  boxes.forEach(([a, ta, sa], i) => boxes.slice(i + 1).forEach(([b, tb, sb]) => {
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (sa === sb && w > 2 && h > 0.3 * Math.min(a.height, b.height)) overlapping.push(`"${ta}" / "${tb}"`);
  }));
  // reveal.js' navigation arrows, where shown, must not sit on the slide's content
  const controls = [...document.querySelectorAll('.reveal .controls button')].filter(shown)
    .map(b => b.getBoundingClientRect());
  const covered = els.filter(el => ownText(el) || /^(IMG|svg|PRE)$/.test(el.tagName)).filter(el => {
    const r = el.getBoundingClientRect();
    return controls.some(c => Math.min(r.right, c.right) > Math.max(r.left, c.left)
      && Math.min(r.bottom, c.bottom) > Math.max(r.top, c.top)); }).map(label);
  // prose the audience reads: paragraphs and list items, without maths, code or the deck's own
  const prose = [...slide.querySelectorAll('p, li')].filter(el => !inNotes(el) && shown(el)
    && !el.parentElement.closest('p, li') && !el.closest('pre, .jp-OutputArea, .deck-kicker, .deck-meta, .deck-fast, .deck-links'))
    .map(el => { const c = el.cloneNode(true);
      c.querySelectorAll('.MathJax_CHTML, .MathJax_Preview, .MJX_Assistive_MathML, script, math, code').forEach(m => m.remove());
      return c.textContent.split(/\s+/).filter(w => /\w/.test(w)).length; });
  const headings = els.filter(el => /^H[1-3]$/.test(el.tagName));
  const content = els.filter(el => !el.closest('h1, h2, h3') && (ownText(el) || /^(IMG|svg|PRE|TABLE)$/.test(el.tagName)));
  return {
    heading: headings.length > 0,
    heading_alone: headings.length > 0 && content.length === 0,
    overlapping_text: overlapping,
    under_controls: covered,
    asserts: code.split('\n').filter(line => /^\s*assert\b/.test(line)).map(l => l.trim().slice(0, 40)),
    paths: [...seen.matchAll(PATHS)].map(m => m[1].slice(0, 60)),
    indices: R.getIndices(slide),
    generated: !!slide.querySelector('.deck-frame'),
    minutes: parseInt((document.querySelector('[data-minutes]') || {dataset: {}}).dataset.minutes) || null,
    words: prose.reduce((a, b) => a + b, 0),
    code_lines: code.split('\n').filter(line => line.trim()).length,
    notes: !!slide.querySelector('aside.notes'),
    height: Math.round((Math.max(0, ...els.map(el => el.getBoundingClientRect().bottom)) - top) / scale),
    width: Math.round((Math.max(0, ...els.map(el => el.getBoundingClientRect().right)) - left) / scale),
    overflowing: blocks.filter(el => el.scrollWidth > el.clientWidth + 2).map(label),
    stderr: slide.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]').length,
    small_body: small(texts.filter(el => !isCode(el)), MIN_BODY),
    small_code: small(texts.filter(isCode), MIN_CODE),
    small_plot: plots.filter(([size]) => size < MIN_PLOT - 0.25).map(([s, t]) => `${s.toFixed(1)}px "${t}"`),
    plot_texts: plots.length,
    low_contrast: texts.filter(el => contrast(el) < MIN_CONTRAST)
      .map(el => `${contrast(el).toFixed(2)}:1 "${label(el)}"`),
    images: [...slide.querySelectorAll('img')].filter(i => !inNotes(i)).length,
    broken_images: [...slide.querySelectorAll('img')].filter(i => !(i.complete && i.naturalWidth > 0))
      .map(i => (i.alt || i.src).slice(0, 60)),
    text: slide.innerText.trim().slice(0, 60),
  };
}
