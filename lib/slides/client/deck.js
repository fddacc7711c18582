// The deck in the browser: keys, touch swipes, URL hash, overview, fullscreen, and the presenter view.
// Plain JavaScript inlined into every deck; it loads nothing and talks to no server (except the
// live-reload stream `npm run slides` adds).
(() => {
  'use strict';
  const WIDTH = 1280;
  const HEIGHT = 720;
  /** The smallest text a slide may show, in frame pixels: readable from the back of a lecture room. */
  const MIN_TEXT_PX = 18;
  const deckElement = document.querySelector('.deck');
  const slides = Array.from(document.querySelectorAll('.deck .slide'));
  const notes = Array.from(document.querySelectorAll('template.notes')).map((template) => template.innerHTML);
  const deckName = deckElement.dataset.name || 'deck';
  const isPresenter = /^#presenter/.test(location.hash);
  let index = 0;

  const clamp = (n) => Math.max(0, Math.min(slides.length - 1, n));
  const fromHash = () => {
    const match = /(\d+)$/.exec(location.hash);
    return match ? clamp(Number(match[1]) - 1) : 0;
  };

  // ---- keys shared by both views ---------------------------------------------------------------
  function keyToMove(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return null;
    switch (event.key) {
      case 'ArrowRight': case 'ArrowDown': case 'PageDown': case 'n': return +1;
      case 'ArrowLeft': case 'ArrowUp': case 'PageUp': case 'Backspace': return -1;
      case ' ': return event.shiftKey ? -1 : +1;
      case 'Home': return -Infinity;
      case 'End': return +Infinity;
      default: return null;
    }
  }
  function target(move) {
    if (move === -Infinity) return 0;
    if (move === Infinity) return slides.length - 1;
    return clamp(index + move);
  }

  if (isPresenter) presenterView();
  else audienceView();

  // ---- the audience window -----------------------------------------------------------------------
  function audienceView() {
    const progress = document.createElement('div');
    progress.className = 'progress';
    document.body.appendChild(progress);
    let presenter = null;
    let overview = false;

    function fit() {
      document.documentElement.style.setProperty('--scale', String(Math.min(innerWidth / WIDTH, innerHeight / HEIGHT)));
      const columns = Math.max(2, Math.floor((innerWidth - 24) / (WIDTH * 0.22 + 24)));
      document.documentElement.style.setProperty('--thumb', String(Math.min(0.3, (innerWidth - 24 * (columns + 1)) / columns / WIDTH)));
    }

    function go(next) {
      index = clamp(next);
      slides.forEach((slide, i) => slide.classList.toggle('current', i === index));
      progress.style.width = `${((index + 1) / slides.length) * 100}%`;
      const hash = `#${index + 1}`;
      if (location.hash !== hash) history.replaceState(null, '', hash);
      if (overview) slides[index].scrollIntoView({ block: 'nearest' });
      tell(presenter, { kfs: 'state', index });
    }

    function setOverview(on) {
      overview = on;
      document.body.classList.toggle('overview', on);
      if (on) slides[index].scrollIntoView({ block: 'center' });
    }

    function toggleFullscreen() {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen().catch(() => {});
    }

    function openPresenter() {
      const url = location.href.replace(/#.*$/, '') + `#presenter-${index + 1}`;
      presenter = window.open(url, `kfs-presenter-${deckName}`, 'popup,width=1280,height=780');
    }

    document.addEventListener('keydown', (event) => {
      if (event.key === 'f' && !event.ctrlKey && !event.metaKey) return toggleFullscreen();
      if (event.key === 'o' && !event.ctrlKey && !event.metaKey) return setOverview(!overview);
      if (event.key === 'p' && !event.ctrlKey && !event.metaKey) return openPresenter();
      if (overview && (event.key === 'Enter' || event.key === 'Escape')) return setOverview(false);
      const move = keyToMove(event);
      if (move === null) return;
      event.preventDefault();
      go(target(move));
    });
    slides.forEach((slide, i) =>
      slide.addEventListener('click', () => {
        if (!overview) return;
        go(i);
        setOverview(false);
      }),
    );
    window.addEventListener('hashchange', () => go(fromHash()));
    window.addEventListener('resize', fit);
    onSwipe(document, (move) => {
      if (!overview) go(target(move));
    });

    // The presenter window says hello (also after either window reloads); the audience answers
    // with its slide and from then on tells it every move.
    window.addEventListener('message', (event) => {
      const data = event.data;
      if (!data || typeof data.kfs !== 'string') return;
      presenter = event.source;
      if (data.kfs === 'hello') tell(presenter, { kfs: 'state', index });
      if (data.kfs === 'go' && typeof data.index === 'number') go(data.index);
    });

    // For tests and for the author's live view: what sticks out of slide i's frame.
    window.deck = {
      get index() { return index; },
      count: slides.length,
      go,
      overflow: (i) => overflowOf(slides[i], go, i),
      textSizes: (i) => textSizesOf(slides[i], go, i),
      smallText: (i) => smallTextOf(slides[i], go, i),
      minTextPx: MIN_TEXT_PX,
    };

    fit();
    go(fromHash());
  }

  // ---- the presenter window ----------------------------------------------------------------------
  function presenterView() {
    document.body.classList.add('presenter');
    // The slides live only in the presenter's frames: the deck is taken out of the page so each
    // diagram's ids (its arrowheads) exist once.
    deckElement.remove();
    const view = document.createElement('div');
    view.className = 'pv';
    view.innerHTML = `
      <div class="pv-current"><div class="pv-label">Now</div><div class="pv-frame"></div></div>
      <div class="pv-side">
        <div class="pv-bar"><span class="pv-timer" title="click to restart">00:00</span><span class="pv-count"></span><span class="pv-clock"></span></div>
        <div class="pv-next"><div class="pv-label">Next</div><div class="pv-frame"></div></div>
        <div class="pv-label">Notes</div>
        <div class="pv-notes"></div>
      </div>`;
    document.body.appendChild(view);
    const [currentFrame, nextFrame] = view.querySelectorAll('.pv-frame');
    const notesBox = view.querySelector('.pv-notes');
    const timer = view.querySelector('.pv-timer');
    const count = view.querySelector('.pv-count');
    const clock = view.querySelector('.pv-clock');
    let started = Date.now();

    function place(frame, slide) {
      frame.replaceChildren();
      if (!slide) {
        frame.innerHTML = '<div class="pv-end">end of the deck</div>';
        return;
      }
      const copy = slide.cloneNode(true);
      copy.classList.add('current');
      frame.appendChild(copy);
      frame.style.setProperty('--s', String(frame.clientWidth / WIDTH));
    }

    function show(next) {
      index = clamp(next);
      place(currentFrame, slides[index]);
      place(nextFrame, slides[index + 1]);
      notesBox.innerHTML = notes[index] || '<p class="muted">No notes for this slide.</p>';
      count.textContent = `${index + 1} / ${slides.length}`;
      const hash = `#presenter-${index + 1}`;
      if (location.hash !== hash) history.replaceState(null, '', hash);
    }

    function tick() {
      const seconds = Math.floor((Date.now() - started) / 1000);
      timer.textContent = `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
      clock.textContent = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    }

    timer.addEventListener('click', () => {
      started = Date.now();
      tick();
    });
    document.addEventListener('keydown', (event) => {
      const move = keyToMove(event);
      if (move === null) return;
      event.preventDefault();
      show(target(move));
      tell(window.opener, { kfs: 'go', index });
    });
    window.addEventListener('message', (event) => {
      const data = event.data;
      if (data && data.kfs === 'state' && typeof data.index === 'number' && data.index !== index) show(data.index);
    });
    window.addEventListener('resize', () => show(index));
    onSwipe(document, (move) => {
      show(target(move));
      tell(window.opener, { kfs: 'go', index });
    });

    window.deck = { get index() { return index; }, count: slides.length, go: (i) => { show(i); tell(window.opener, { kfs: 'go', index }); } };

    show(fromHash());
    tick();
    setInterval(tick, 1000);
    // Keep saying hello: after the audience window reloads, this is how it finds us again.
    tell(window.opener, { kfs: 'hello' });
    setInterval(() => tell(window.opener, { kfs: 'hello' }), 1000);
  }

  // Tablets: a swipe to the left is the next slide, to the right the previous one. A swipe is a
  // single finger moving mostly sideways by at least 50 px; a tap, a scroll, or two fingers
  // (pinch to zoom) are left to the browser.
  function onSwipe(target, move) {
    let start = null;
    target.addEventListener('touchstart', (event) => {
      start = event.touches.length === 1 ? { x: event.touches[0].clientX, y: event.touches[0].clientY } : null;
    }, { passive: true });
    target.addEventListener('touchmove', (event) => {
      if (event.touches.length !== 1) start = null;
    }, { passive: true });
    target.addEventListener('touchcancel', () => {
      start = null;
    });
    target.addEventListener('touchend', (event) => {
      if (!start || event.changedTouches.length !== 1) return;
      const dx = event.changedTouches[0].clientX - start.x;
      const dy = event.changedTouches[0].clientY - start.y;
      start = null;
      if (Math.abs(dx) >= 50 && Math.abs(dx) > 1.5 * Math.abs(dy)) move(dx < 0 ? +1 : -1);
    });
  }

  function tell(win, message) {
    try {
      if (win && !win.closed) win.postMessage(message, '*');
    } catch {
      // The other window went away; it says hello again when it comes back.
    }
  }

  // Shows slide i and measures every piece of text on it as it is drawn, in frame pixels (a
  // 1280×720 slide): the computed font size times every scale between the text and the screen.
  // SVG text (diagrams, figures) is measured through its screen transform, so a diagram that CSS
  // shrinks to fit reports the size the room sees. The slide number counts too.
  function textSizesOf(slide, go, i) {
    go(i);
    const frame = slide.getBoundingClientRect();
    const frameScale = frame.width / WIDTH;
    const sizes = [];
    const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
    const seen = new Map();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.replace(/\s+/g, ' ').trim();
      if (!text) continue;
      const element = node.parentElement;
      if (!element || element.closest('style, script, title, desc, defs, template')) continue;
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const style = getComputedStyle(element);
      if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) continue;
      let scale;
      if (element instanceof SVGElement) {
        const ctm = element.getScreenCTM();
        if (!ctm) continue;
        scale = Math.hypot(ctm.c, ctm.d) / frameScale;
      } else {
        // HTML text: the transforms between it and the slide (the slide's own is the frame's scale).
        scale = 1;
        for (let outer = element; outer && outer !== slide; outer = outer.parentElement) {
          const transform = getComputedStyle(outer).transform;
          if (transform && transform !== 'none') {
            const matrix = new DOMMatrixReadOnly(transform);
            scale *= Math.hypot(matrix.c, matrix.d);
          }
        }
      }
      const px = parseFloat(style.fontSize) * scale;
      // One entry per element and size: a line of code is many spans of one size.
      const key = element;
      const entry = seen.get(key);
      if (entry) {
        if (entry.text.length < 60) entry.text = `${entry.text} ${text}`.slice(0, 60);
        continue;
      }
      const item = { text: text.slice(0, 60), px: Math.round(px * 10) / 10, svg: element instanceof SVGElement };
      seen.set(key, item);
      sizes.push(item);
    }
    const number = getComputedStyle(slide, '::after');
    if (number.content && number.content !== 'none') sizes.push({ text: `slide number ${slide.dataset.n}`, px: parseFloat(number.fontSize), svg: false });
    return sizes;
  }

  // Shows slide i and lists every text on it smaller than MIN_TEXT_PX, with its size.
  function smallTextOf(slide, go, i) {
    const small = textSizesOf(slide, go, i).filter((item) => item.px < MIN_TEXT_PX - 0.05);
    slide.classList.toggle('small-text', small.length > 0);
    return small.map((item) => `${item.svg ? 'diagram text' : 'text'} "${item.text}" is ${item.px} px (at least ${MIN_TEXT_PX} px)`);
  }

  // Shows slide i and lists every element that sticks out of its 1280×720 frame, in frame pixels.
  function overflowOf(slide, go, i) {
    go(i);
    const frame = slide.getBoundingClientRect();
    const scale = frame.width / WIDTH;
    const problems = [];
    const describe = (element) => {
      const text = (element.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 60);
      return `<${element.tagName.toLowerCase()}${element.className && typeof element.className === 'string' ? `.${element.className.split(' ')[0]}` : ''}> "${text}"`;
    };
    if (slide.scrollHeight > slide.clientHeight + 1 || slide.scrollWidth > slide.clientWidth + 1) {
      problems.push(`the slide's content is ${slide.scrollWidth}×${slide.scrollHeight} px, the frame ${WIDTH}×${HEIGHT}`);
    }
    // Only the outermost element that sticks out is reported, not each of its lines.
    const reported = [];
    for (const element of slide.querySelectorAll('*')) {
      if (element.closest('svg') && element.tagName.toLowerCase() !== 'svg') continue;
      if (reported.some((outer) => outer.contains(element))) continue;
      const box = element.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      const out = Math.max(frame.left - box.left, box.right - frame.right, frame.top - box.top, box.bottom - frame.bottom) / scale;
      if (out > 1) {
        problems.push(`${describe(element)} sticks out of the frame by ${Math.round(out)} px`);
        reported.push(element);
        continue;
      }
      const style = getComputedStyle(element);
      if (style.overflowX !== 'visible' && element.scrollWidth > element.clientWidth + 1) problems.push(`${describe(element)} is cut off: ${element.scrollWidth - element.clientWidth} px too wide`);
      if (style.overflowY !== 'visible' && element.scrollHeight > element.clientHeight + 1) problems.push(`${describe(element)} is cut off: ${element.scrollHeight - element.clientHeight} px too tall`);
    }
    slide.classList.toggle('overflowing', problems.length > 0);
    return problems;
  }
})();
