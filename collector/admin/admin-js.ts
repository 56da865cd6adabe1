// The admin's one client script (served from /admin/assets/admin.js; the CSP refuses inline code).
// Everything works without it: it adds "copy" buttons and the criteria builder, which edits the
// criteria JSON textarea the form submits (the server validates whatever arrives). It builds the DOM
// with createElement and textContent only, never from HTML strings.
export const ADMIN_JS = String.raw`(function () {
'use strict';

document.addEventListener('click', function (e) {
  var b = e.target && e.target.closest && e.target.closest('[data-copy]');
  if (!b) return;
  var src = document.getElementById(b.getAttribute('data-copy'));
  if (!src || !navigator.clipboard) return;
  navigator.clipboard.writeText(src.value || src.textContent || '').then(function () {
    var old = b.textContent;
    b.textContent = 'Copied';
    setTimeout(function () { b.textContent = old; }, 1500);
  }, function () {});
});

var OPS = [
  ['eq', 'is'], ['neq', 'is not'], ['in', 'is one of'], ['nin', 'is none of'], ['contains', 'contains'],
  ['starts_with', 'starts with'], ['exists', 'is present'], ['not_exists', 'is missing'], ['gt', '>'],
  ['gte', '>='], ['lt', '<'], ['lte', '<='], ['before', 'is before'], ['after', 'is after'],
  ['within_last', 'is within the last'], ['not_within_last', 'is not within the last']
];
var NO_VALUE = { exists: 1, not_exists: 1 };
var LIST = { 'in': 1, nin: 1 };
var NUMERIC = { gt: 1, gte: 1, lt: 1, lte: 1 };
var HINT = { within_last: 'e.g. 30d, 12h, 90m', not_within_last: 'e.g. 30d, 12h, 90m', before: 'a date, or now', after: 'a date, or now', 'in': 'comma-separated', nin: 'comma-separated' };

function el(tag, attrs, children) {
  var n = document.createElement(tag);
  for (var k in attrs || {}) {
    if (k === 'text') n.textContent = attrs[k];
    else if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== false) n.setAttribute(k, attrs[k]);
  }
  (children || []).forEach(function (c) { if (c) n.appendChild(c); });
  return n;
}

function isCondition(n) { return n && typeof n === 'object' && typeof n.field === 'string' && typeof n.op === 'string'; }
function groupKind(n) { return n && typeof n === 'object' && Array.isArray(n.all) ? 'all' : n && typeof n === 'object' && Array.isArray(n.any) ? 'any' : null; }

// The builder shows a group of conditions and groups of conditions (two levels); anything else
// (not, deeper nesting) stays in the JSON view.
function representable(n, depth) {
  var kind = groupKind(n);
  if (!kind) return false;
  return n[kind].every(function (c) { return isCondition(c) || (depth === 0 && representable(c, 1)); });
}

function scalar(text, op) {
  var t = text.trim();
  if (NUMERIC[op] && t !== '' && !isNaN(Number(t))) return Number(t);
  return t;
}

function valueText(v) {
  if (Array.isArray(v)) return v.map(String).join(', ');
  return v === undefined || v === null ? '' : String(v);
}

var counter = 0;

function Builder(root, textarea) {
  this.root = root;
  this.textarea = textarea;
  this.status = el('p', { 'class': 'hint', role: 'status' });
}

Builder.prototype.load = function () {
  var parsed;
  try { parsed = JSON.parse(this.textarea.value || '{"all":[]}'); } catch (e) { parsed = undefined; }
  if (isCondition(parsed)) parsed = { all: [parsed] };
  this.root.textContent = '';
  if (!representable(parsed, 0)) {
    this.root.appendChild(el('p', { 'class': 'notice notice-info', text: 'These criteria use structure the builder cannot show (or are not valid JSON yet). Edit them in the JSON view.' }));
    return;
  }
  this.root.appendChild(this.group(parsed, 0));
  this.root.appendChild(this.status);
};

Builder.prototype.sync = function () {
  var top = this.root.querySelector('[data-group]');
  if (!top) return;
  this.textarea.value = JSON.stringify(this.read(top), null, 2);
};

Builder.prototype.read = function (groupEl) {
  var self = this;
  var kind = groupEl.querySelector('[data-kind]').value;
  var items = [];
  Array.prototype.forEach.call(groupEl.querySelector('[data-items]').children, function (child) {
    if (child.hasAttribute('data-group')) items.push(self.read(child));
    else if (child.hasAttribute('data-row')) {
      var op = child.querySelector('[data-op]').value;
      var cond = { field: child.querySelector('[data-field]').value.trim(), op: op };
      var raw = child.querySelector('[data-value]').value;
      if (!NO_VALUE[op]) {
        cond.value = LIST[op] ? raw.split(',').map(function (s) { return s.trim(); }).filter(function (s) { return s !== ''; }) : scalar(raw, op);
      }
      items.push(cond);
    }
  });
  var out = {};
  out[kind] = items;
  return out;
};

Builder.prototype.group = function (node, depth) {
  var self = this;
  var kind = groupKind(node);
  var id = 'b' + (++counter);
  var select = el('select', { id: id + '-kind', 'data-kind': '' }, [el('option', { value: 'all', text: 'all' }), el('option', { value: 'any', text: 'any' })]);
  select.value = kind;
  var items = el('div', { 'data-items': '', 'class': 'builder-items' });
  var box = el('fieldset', { 'data-group': '', 'class': depth === 0 ? 'builder-group' : 'builder-group nested' }, [
    el('legend', {}, [el('label', { 'for': id + '-kind', 'class': 'inline', text: depth === 0 ? 'Match ' : 'Any group: match ' }), select, el('span', { text: ' of these conditions' })]),
    items
  ]);
  node[kind].forEach(function (c) { items.appendChild(isCondition(c) ? self.row(c) : self.group(c, depth + 1)); });
  var actions = el('div', { 'class': 'actions' }, [
    el('button', { type: 'button', 'class': 'secondary', 'data-add-row': '', text: 'Add condition' }),
    depth === 0 ? el('button', { type: 'button', 'class': 'secondary', 'data-add-group': '', text: 'Add group' }) : null,
    depth > 0 ? el('button', { type: 'button', 'class': 'secondary', 'data-remove': '', text: 'Remove group' }) : null
  ]);
  box.appendChild(actions);
  actions.addEventListener('click', function (e) {
    var t = e.target;
    if (t.hasAttribute('data-add-row')) { var r = self.row({ field: '', op: 'eq', value: '' }); items.appendChild(r); r.querySelector('[data-field]').focus(); }
    else if (t.hasAttribute('data-add-group')) { var g = self.group({ any: [{ field: '', op: 'eq', value: '' }] }, 1); items.appendChild(g); g.querySelector('[data-field]').focus(); }
    else if (t.hasAttribute('data-remove')) { box.remove(); self.say('Group removed.'); }
    else return;
    self.sync();
  });
  return box;
};

Builder.prototype.row = function (c) {
  var self = this;
  var n = ++counter;
  var field = el('input', { type: 'text', id: 'f' + n, 'data-field': '', value: c.field, placeholder: 'crm.lead.status', autocomplete: 'off', spellcheck: 'false', list: this.root.getAttribute('data-fields') || null });
  var op = el('select', { id: 'o' + n, 'data-op': '' }, OPS.map(function (o) { return el('option', { value: o[0], text: o[1] }); }));
  op.value = c.op;
  var value = el('input', { type: 'text', id: 'v' + n, 'data-value': '', value: valueText(c.value), autocomplete: 'off' });
  var hint = el('span', { 'class': 'hint', id: 'h' + n });
  value.setAttribute('aria-describedby', 'h' + n);
  var remove = el('button', { type: 'button', 'class': 'secondary', text: 'Remove' });
  var row = el('div', { 'data-row': '', 'class': 'builder-row' }, [
    el('div', {}, [el('label', { 'for': 'f' + n, text: 'Field' }), field]),
    el('div', {}, [el('label', { 'for': 'o' + n, text: 'Operator' }), op]),
    el('div', { 'class': 'builder-value' }, [el('label', { 'for': 'v' + n, text: 'Value' }), value, hint]),
    el('div', { 'class': 'builder-remove' }, [remove])
  ]);
  function refresh() {
    value.disabled = !!NO_VALUE[op.value];
    hint.textContent = HINT[op.value] || '';
  }
  refresh();
  op.addEventListener('change', function () { refresh(); self.sync(); });
  field.addEventListener('input', function () { self.sync(); });
  value.addEventListener('input', function () { self.sync(); });
  remove.addEventListener('click', function () { row.remove(); self.sync(); self.say('Condition removed.'); });
  return row;
};

Builder.prototype.say = function (text) { this.status.textContent = text; };

function start() {
  Array.prototype.forEach.call(document.querySelectorAll('[data-builder]'), function (root) {
    var textarea = document.getElementById(root.getAttribute('data-builder'));
    if (!textarea) return;
    var b = new Builder(root, textarea);
    b.load();
    root.hidden = false;
    root.addEventListener('change', function (e) { if (e.target.hasAttribute('data-kind')) b.sync(); });
    textarea.addEventListener('change', function () { b.load(); });
    var details = textarea.closest('details');
    if (details && root.querySelector('[data-group]')) details.open = false;
  });
}

// A block marked data-refresh="<ms>" (e.g. a running populate job) reloads itself from the page's
// own URL until the server renders it without the attribute.
function refresh(node) {
  var wait = Number(node.getAttribute('data-refresh')) || 2000;
  setTimeout(function () {
    fetch(location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html === null) return;
      var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById(node.id);
      if (!fresh) return;
      var next = document.importNode(fresh, true);
      node.replaceWith(next);
      if (next.hasAttribute('data-refresh')) refresh(next);
    }, function () {});
  }, wait);
}

function boot() {
  start();
  Array.prototype.forEach.call(document.querySelectorAll('[data-refresh][id]'), refresh);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
})();
`;
