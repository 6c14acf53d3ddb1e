// Injected into a copy of a report by t0620: measures the page as Chromium
// lays it out and writes the findings into document.title as JSON.
window.addEventListener('load', function () {
  'use strict';
  var out = { problems: [] };
  function bad(s) { if (out.problems.length < 20) out.problems.push(s); }
  // the Phases table fits its column: no sideways scroll
  var tables = document.querySelectorAll('table.phases');
  out.phases = tables.length;
  for (var i = 0; i < tables.length; i++) {
    var box = tables[i].parentElement;
    if (box.scrollWidth > box.clientWidth + 1)
      bad('Phases scrolls sideways: ' + box.scrollWidth + ' > ' + box.clientWidth);
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    bad('the page scrolls sideways: ' + document.documentElement.scrollWidth);
  // no two labels of a chart overlap, and none leaves its picture
  var svgs = document.querySelectorAll('svg.chart');
  out.labels = 0;
  for (var s = 0; s < svgs.length; s++) {
    var svg = svgs[s], sr = svg.getBoundingClientRect();
    var ls = svg.querySelectorAll('text.mark-label');
    var r = [];
    for (var k = 0; k < ls.length; k++) r.push(ls[k].getBoundingClientRect());
    out.labels += r.length;
    for (var a = 0; a < r.length; a++) {
      if (r[a].left < sr.left - 1 || r[a].right > sr.right + 1)
        bad('label "' + ls[a].textContent + '" leaves its chart');
      for (var b = a + 1; b < r.length; b++)
        if (r[a].left < r[b].right - 1 && r[b].left < r[a].right - 1 &&
            r[a].top < r[b].bottom - 1 && r[b].top < r[a].bottom - 1)
          bad('labels "' + ls[a].textContent + '" and "' + ls[b].textContent + '" overlap');
    }
    // every text of the composition picture is at least 12 px on screen
    if (svg.classList.contains('composition')) {
      var ts = svg.querySelectorAll('text'), scale = svg.getScreenCTM().a;
      for (var t = 0; t < ts.length; t++) {
        var px = parseFloat(getComputedStyle(ts[t]).fontSize) * scale;
        if (px < 12) { bad('composition text "' + ts[t].textContent + '" is ' + px.toFixed(1) + ' px'); break; }
        var tr = ts[t].getBoundingClientRect();
        if (tr.left < sr.left - 1 || tr.right > sr.right + 1)
          bad('composition text "' + ts[t].textContent + '" leaves the picture');
      }
    }
  }
  // the navigation follows the page, and names every section it links
  var navs = document.querySelectorAll('nav.toc');
  for (var n = 0; n < navs.length; n++) {
    var as = navs[n].querySelectorAll('a'), last = -1, seen = {};
    for (var j = 0; j < as.length; j++) {
      var id = as[j].getAttribute('href').slice(1), el = document.getElementById(id);
      seen[as[j].textContent] = 1;
      if (!el) { bad('navigation links to a missing #' + id); continue; }
      var y = el.getBoundingClientRect().top + window.scrollY;
      if (y < last) bad('navigation: ' + as[j].textContent + ' comes before the section above it');
      last = y;
    }
    if (!seen['Descriptors']) bad('navigation has no Descriptors');
  }
  // no table shows its headers without a row
  var all = document.querySelectorAll('table');
  for (var q = 0; q < all.length; q++)
    if (!all[q].querySelector('tbody tr'))
      bad('an empty ' + (all[q].className || 'table') + ' table');
  document.title = 'PROBE ' + JSON.stringify(out);
});
