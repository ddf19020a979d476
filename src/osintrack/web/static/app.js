/* osintrack dashboard: map, timeline, official counts and the sources of one incident.
 *
 * Plain JavaScript over Leaflet, Supercluster, topojson-client and d3 (served from /static/vendor/,
 * installed by `make web`). Every string that comes from a report or from the store is put into the
 * page as text (textContent, text nodes, attribute values), never as markup; links are made only for
 * http: and https: URLs. The page loads all matching incidents once and filters them here, with the
 * same rules as the server's filters, so that brushing the timeline stays fast.
 */
(function () {
  'use strict';

  const LIST_LIMIT = 200;
  const TOP_COUNTRIES = 5;
  const COLOURS = {
    event_type: {attack: '#d95f02', air_strike: '#5e55a8'},
    status: {confirmed: '#2166ac', claimed: '#e08214', reported: '#8fb9d6'},
  };
  const OTHER_COLOUR = '#9a9a9a';
  const LABELS = {
    attack: 'attack', air_strike: 'air strike', confirmed: 'confirmed', claimed: 'claimed', reported: 'reported',
    drone: 'drone', rocket: 'rocket', missile: 'missile', mortar: 'mortar', ied: 'IED', small_arms: 'small arms',
    aircraft: 'aircraft', unknown: 'unknown',
  };
  const FIELD_LABELS = {
    date: 'Date', place: 'Place', weapon: 'Weapon', actor: 'Actor', target: 'Target', claimed_by: 'Claimed by',
    confirmed_by: 'Confirmed by', killed: 'Killed', injured: 'Injured', intercepted: 'Intercepted',
  };
  const FILTER_NAMES = ['since', 'until', 'country', 'actor', 'weapon', 'lang', 'status', 'event_type'];

  const state = {
    all: [],            // every incident, most recent first: {id, p (properties), lat, lon}
    base: [],           // matching every filter but the dates (what the timeline shows)
    shown: [],          // matching every filter
    filters: {},
    colourBy: 'event_type',
    spot: null,         // ids of the incidents at one spot, chosen by clicking a cluster at full zoom
    selected: null,
    tallies: [],
    tallyQuery: undefined,
    countryColours: null,  // country code -> timeline colour, from all incidents (countryColour)
    config: {tiles: null, write: false},
    batch: 0,           // the store's last batch when the incidents were loaded (/api/sources)
    newsFailed: false,  // the last look for news failed (its message is shown)
  };
  const REFRESH_SECONDS = 30;  // how often the page asks whether reports were stored (?refresh=N to change)

  // ---------------------------------------------------------------- small helpers

  const $ = (selector) => document.querySelector(selector);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') node.className = value;
      else if (name === 'text') node.textContent = value;
      else node.setAttribute(name, String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function label(value) {
    if (value === null || value === undefined || value === '') return '–';
    return Object.prototype.hasOwnProperty.call(LABELS, value) ? LABELS[value] : String(value);
  }

  const capitalised = (text) => text.charAt(0).toUpperCase() + text.slice(1);

  const numberFormat = new Intl.NumberFormat('en');
  const fmt = (n) => numberFormat.format(n);

  let regionNames = null;
  try { regionNames = new Intl.DisplayNames(['en'], {type: 'region'}); } catch (err) { regionNames = null; }

  function countryName(code) {
    if (!code) return 'no country';
    if (regionNames && /^[A-Z]{2}$/.test(code)) {
      try { return regionNames.of(code) || code; } catch (err) { return code; }
    }
    return String(code);
  }

  /** An http(s) URL as a URL object, or null for anything else (javascript:, data:, relative, junk). */
  function webUrl(value) {
    if (typeof value !== 'string' || !value) return null;
    let url;
    try { url = new URL(value); } catch (err) { return null; }
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  }

  function langTag(value) {
    return typeof value === 'string' && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(value) ? value : null;
  }

  async function fetchJSON(url) {
    const response = await fetch(url, {headers: {Accept: 'application/json'}});
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch (err) { /* not JSON */ }
      throw new Error(`${url}: ${response.status} ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`);
    }
    return response.json();
  }

  function showStatus(message, isError) {
    const node = $('#status');
    node.textContent = message || '';
    node.classList.toggle('error', Boolean(isError));
  }

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  }

  const DAY = 86400000;
  const isoDay = (time) => new Date(time).toISOString().slice(0, 10);
  function dayTime(date) {
    if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
    const time = Date.parse(date + 'T00:00:00Z');
    return Number.isFinite(time) ? time : null;
  }

  // ---------------------------------------------------------------- filters (the server's rules)

  function readFilters() {
    const form = $('#filters');
    const filters = {};
    for (const name of FILTER_NAMES) filters[name] = form.elements[name].value.trim();
    filters.actorLower = filters.actor.toLowerCase();
    return filters;
  }

  function matchesBesidesDates(p, f) {
    if (f.country && p.country !== f.country) return false;
    if (f.weapon && p.weapon !== f.weapon) return false;
    if (f.status && p.status !== f.status) return false;
    if (f.event_type && p.event_type !== f.event_type) return false;
    if (f.lang && !(Array.isArray(p.languages) && p.languages.includes(f.lang))) return false;
    if (f.actorLower && !(typeof p.actor === 'string' && p.actor.toLowerCase().includes(f.actorLower))) return false;
    return true;
  }

  function matchesDates(p, f) {
    if (!f.since && !f.until) return true;
    if (typeof p.date !== 'string') return false;
    if (f.since && !(p.date >= f.since)) return false;
    if (f.until && !(p.date <= f.until || p.date.startsWith(f.until))) return false;
    return true;
  }

  function applyFilters() {
    const f = state.filters;
    state.base = state.all.filter((item) => matchesBesidesDates(item.p, f));
    state.shown = state.base.filter((item) => matchesDates(item.p, f));
  }

  function fillSelect(select, counts, text) {
    const current = select.value;
    for (const option of Array.from(select.options)) if (option.value) option.remove();  // filled anew on news
    const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    for (const [value, count] of entries) select.add(new Option(`${text(value)} (${fmt(count)})`, value));
    select.value = current;
  }

  function populateFilters() {
    const form = $('#filters');
    const tally = {country: {}, weapon: {}, lang: {}, status: {}, event_type: {}};
    const actors = {};
    for (const {p} of state.all) {
      for (const key of ['country', 'weapon', 'status', 'event_type']) {
        if (typeof p[key] === 'string' && p[key]) tally[key][p[key]] = (tally[key][p[key]] || 0) + 1;
      }
      for (const lang of Array.isArray(p.languages) ? p.languages : []) {
        if (typeof lang === 'string') tally.lang[lang] = (tally.lang[lang] || 0) + 1;
      }
      if (typeof p.actor === 'string' && p.actor) actors[p.actor] = (actors[p.actor] || 0) + 1;
    }
    fillSelect(form.elements.country, tally.country, (code) => `${countryName(code)} – ${code}`);
    fillSelect(form.elements.weapon, tally.weapon, label);
    fillSelect(form.elements.lang, tally.lang, (code) => code);
    fillSelect(form.elements.status, tally.status, label);
    fillSelect(form.elements.event_type, tally.event_type, label);
    const datalist = $('#actors');
    datalist.replaceChildren();
    for (const name of Object.keys(actors).sort((a, b) => actors[b] - actors[a]).slice(0, 200)) {
      datalist.append(el('option', {value: name}));
    }
  }

  // ---------------------------------------------------------------- the whole page, after a change

  function update(opts) {
    const options = Object.assign({timeline: true}, opts);
    state.filters = readFilters();
    applyFilters();
    // an incident the filters now exclude is no longer shown: neither in the panel nor on the map
    if (state.selected !== null && !state.shown.some((item) => item.id === state.selected)) closePanel();
    updateCount();
    renderList();
    loadClusters();
    if (options.timeline) renderTimeline(); else markWindow();
    return refreshTallies();
  }

  function updateCount() {
    const node = $('#count');
    const total = state.all.length;
    const shown = state.shown.length;
    node.dataset.shown = String(shown);
    node.dataset.total = String(total);
    node.textContent = shown === total ? `${fmt(total)} incidents` : `${fmt(shown)} of ${fmt(total)} incidents match`;
    const windowLabel = $('#window-label');
    const f = state.filters;
    $('#reset-window').disabled = !(f.since || f.until);
    windowLabel.textContent = f.since || f.until
      ? `Window: ${f.since || 'start'} to ${f.until || 'end'}`
      : 'Drag across the bars to choose dates.';
  }

  // ---------------------------------------------------------------- map

  const map = {leaflet: null, index: null, layer: null, borders: null};

  function markerColour(p) {
    const palette = COLOURS[state.colourBy];
    return palette[p[state.colourBy]] || OTHER_COLOUR;
  }

  function markerRadius(p) {
    const hurt = (Number(p.killed) || 0) + (Number(p.injured) || 0);
    return Math.min(18, 5 + 2 * Math.sqrt(hurt));
  }

  function initMap() {
    const leaflet = L.map('map', {
      preferCanvas: true, worldCopyJump: true, attributionControl: false, zoomSnap: 0.5, minZoom: 2, maxZoom: 14,
    });
    leaflet.setView([31, 42], 5);
    leaflet.createPane('borders').style.zIndex = '250';
    map.leaflet = leaflet;
    map.layer = L.layerGroup().addTo(leaflet);
    leaflet.on('moveend', renderClusters);

    const credit = L.control({position: 'bottomright'});
    credit.onAdd = () => {
      const box = el('div', {class: 'map-credit'}, 'Borders: Natural Earth (world-atlas)');
      const tiles = webUrl(state.config.tiles && state.config.tiles.replace(/[{}]/g, ''));
      if (tiles) box.append(el('br'), `Tiles: ${tiles.host}`);
      return box;
    };
    credit.addTo(leaflet);

    const legend = L.control({position: 'bottomleft'});
    legend.onAdd = () => el('div', {class: 'map-legend', id: 'map-legend'});
    legend.addTo(leaflet);
    renderMapLegend();

    return fetchJSON('/static/vendor/countries-50m.json').then((topo) => {
      const countries = topojson.feature(topo, topo.objects.countries);
      map.borders = L.geoJSON(countries, {
        pane: 'borders', interactive: false,
        style: {color: '#8b95a1', weight: 0.7, fillColor: '#f4f3ef', fillOpacity: 1},
      }).addTo(leaflet);
      addTileLayer();
    }).catch((err) => showStatus(`The country borders could not be loaded (${err.message}).`, true));
  }

  function addTileLayer() {
    const template = state.config.tiles;
    if (typeof template !== 'string' || !webUrl(template.replace(/[{}]/g, ''))) return;
    const tiles = L.tileLayer(template, {maxZoom: 18, crossOrigin: false});
    const bordersOnly = L.layerGroup();
    tiles.addTo(map.leaflet);
    map.borders.setStyle({fillOpacity: 0});
    map.leaflet.on('baselayerchange', (event) => map.borders.setStyle({fillOpacity: event.layer === tiles ? 0 : 1}));
    L.control.layers({'Online tiles': tiles, 'Country borders only': bordersOnly}, null, {position: 'topright'})
      .addTo(map.leaflet);
  }

  function renderMapLegend() {
    const box = $('#map-legend');
    if (!box) return;
    box.replaceChildren(el('strong', {text: state.colourBy === 'status' ? 'Status' : 'Type'}));
    for (const [key, colour] of Object.entries(COLOURS[state.colourBy])) {
      const swatch = el('span', {class: 'swatch round'});
      swatch.style.backgroundColor = colour;
      box.append(el('div', null, swatch, label(key)));
    }
    box.append(el('div', {class: 'legend-note', text: 'size: killed + injured'}));
  }

  function loadClusters() {
    const points = [];
    for (const item of state.shown) {
      if (item.lat === null) continue;
      points.push({type: 'Feature', geometry: {type: 'Point', coordinates: [item.lon, item.lat]}, properties: {i: item}});
    }
    map.placed = points.length;
    map.index = new Supercluster({
      radius: 80, maxZoom: 13, minPoints: 2,  // radius in 1/512 of a tile: 40 px
      map: (props) => {
        const counts = {};
        counts['event_type:' + props.i.p.event_type] = 1;
        counts['status:' + props.i.p.status] = 1;
        return {counts};
      },
      reduce: (acc, props) => {
        for (const [key, n] of Object.entries(props.counts)) acc.counts[key] = (acc.counts[key] || 0) + n;
      },
    }).load(points);
    const unplaced = state.shown.length - points.length;
    $('#map-note').textContent = unplaced ? `${fmt(unplaced)} of these incidents have no place on the map` : '';
    if (!map.fitted && points.length) {
      map.fitted = true;
      const lats = points.map((pt) => pt.geometry.coordinates[1]);
      const lons = points.map((pt) => pt.geometry.coordinates[0]);
      map.leaflet.fitBounds([[d3.min(lats), d3.min(lons)], [d3.max(lats), d3.max(lons)]],
        {padding: [30, 30], maxZoom: 6, animate: false});  // drawn at once: the page is ready when it says so
    }
    renderClusters();
  }

  function clusterIcon(counts, total) {
    const palette = COLOURS[state.colourBy];
    let angle = 0;
    const stops = [];
    for (const [key, colour] of Object.entries(palette).concat([['', OTHER_COLOUR]])) {
      let n = 0;
      if (key) n = counts[`${state.colourBy}:${key}`] || 0;
      else n = total - Object.keys(palette).reduce((sum, k) => sum + (counts[`${state.colourBy}:${k}`] || 0), 0);
      if (n <= 0) continue;
      const next = angle + (360 * n) / total;
      stops.push(`${colour} ${angle.toFixed(2)}deg ${next.toFixed(2)}deg`);
      angle = next;
    }
    const size = Math.round(24 + 7 * Math.log10(total));
    const ring = el('div', {class: 'cluster'});
    ring.style.width = ring.style.height = `${size}px`;
    ring.style.background = `conic-gradient(${stops.join(', ')})`;
    const hole = el('span', {text: total >= 10000 ? `${Math.round(total / 1000)}k` : fmt(total)});
    hole.style.width = hole.style.height = `${size - 10}px`;  // a ring 5 px wide shows the shares
    ring.append(hole);
    return L.divIcon({html: ring, className: 'cluster-icon', iconSize: [size, size]});
  }

  function tooltipFor(p) {
    return () => el('div', {class: 'tip'},
      el('strong', {text: `${p.date || 'undated'} · ${label(p.event_type)}`}), el('br'),
      [p.site, p.admin1, countryName(p.country)].filter(Boolean).join(', '), el('br'),
      `${label(p.weapon)} · ${label(p.status)} · ${fmt(p.n_reports || 0)} report(s)`);
  }

  function renderClusters() {
    if (!map.index) return;
    const leaflet = map.leaflet;
    const bounds = leaflet.getBounds();
    let west = bounds.getWest();
    let east = bounds.getEast();
    if (east - west >= 360) { west = -180; east = 180; }
    const bbox = [Math.max(-180, west), Math.max(-85, bounds.getSouth()), Math.min(180, east), Math.min(85, bounds.getNorth())];
    const zoom = Math.floor(leaflet.getZoom());
    const features = map.index.getClusters(bbox, zoom);
    map.layer.clearLayers();
    let clusters = 0;
    let singles = 0;
    for (const feature of features) {
      const [lon, lat] = feature.geometry.coordinates;
      const props = feature.properties;
      if (props.cluster) {
        clusters += 1;
        const marker = L.marker([lat, lon], {
          icon: clusterIcon(props.counts, props.point_count), title: `${props.point_count} incidents`, keyboard: true,
        });
        marker.on('click', () => openCluster(props.cluster_id, lat, lon));
        map.layer.addLayer(marker);
      } else {
        singles += 1;
        const item = props.i;
        const selected = item.id === state.selected;
        const marker = L.circleMarker([lat, lon], {
          radius: markerRadius(item.p), color: selected ? '#111' : '#3b3b3b', weight: selected ? 3 : 1,
          fillColor: markerColour(item.p), fillOpacity: 0.85,
        });
        marker.bindTooltip(tooltipFor(item.p), {direction: 'top', offset: [0, -6]});
        marker.on('click', () => openIncident(item.id));
        map.layer.addLayer(marker);
      }
    }
    const box = $('#map');
    box.dataset.clusters = String(clusters);
    box.dataset.points = String(singles);
    box.dataset.zoom = String(leaflet.getZoom());
    markSelected();
  }

  /** A ring on the map at the selected incident, above its marker or the cluster that holds it. */
  function markSelected() {
    const box = $('#map');
    const item = state.selected === null ? null : state.shown.find((i) => i.id === state.selected);
    box.dataset.selected = item && item.lat !== null ? item.id : '';
    if (!item || item.lat === null) return;
    const ring = L.divIcon({html: el('div', {class: 'selected-ring'}), className: 'selected-marker',
      iconSize: [34, 34]});
    map.layer.addLayer(L.marker([item.lat, item.lon], {icon: ring, interactive: false, keyboard: false,
      zIndexOffset: 1000}));
  }

  /** The map moved so that the selected incident is in view (zoom kept). */
  function showSelected() {
    const item = state.shown.find((i) => i.id === state.selected);
    if (item && item.lat !== null && !map.leaflet.getBounds().contains([item.lat, item.lon])) {
      map.leaflet.panTo([item.lat, item.lon], {animate: false});
    }
  }

  function openCluster(clusterId, lat, lon) {
    const expansion = map.index.getClusterExpansionZoom(clusterId);
    if (expansion <= map.leaflet.getMaxZoom() && map.leaflet.getZoom() < 13) {
      map.leaflet.flyTo([lat, lon], Math.min(expansion, map.leaflet.getMaxZoom()), {duration: 0.4});
      return;
    }
    // Incidents at one spot never split apart: list them instead.
    state.spot = new Set(map.index.getLeaves(clusterId, Infinity).map((leaf) => leaf.properties.i.id));
    renderList();
  }

  // ---------------------------------------------------------------- timeline

  const timeline = {x: null, brush: null, gBrush: null, interval: null, snapping: false};

  function renderTimeline() {
    const box = $('#timeline');
    box.replaceChildren();
    const legendBox = $('#timeline-legend');
    legendBox.replaceChildren();

    const dated = [];
    let monthOnly = 0;
    let undated = 0;
    for (const item of state.base) {
      const time = dayTime(item.p.date);
      if (time !== null) dated.push([time, item.p.country]);
      else if (typeof item.p.date === 'string') monthOnly += 1;
      else undated += 1;
    }
    if (!dated.length) {
      box.append(el('p', {class: 'empty', text: 'No incident with a full date matches these filters.'}));
      timeline.x = null;
      return;
    }
    const [first, last] = d3.extent(dated, (d) => d[0]);
    const spanDays = (last - first) / DAY;
    const interval = spanDays <= 400 ? d3.utcDay : spanDays <= 2500 ? d3.utcWeek : d3.utcMonth;
    timeline.interval = interval;

    const byCountry = d3.rollup(dated, (v) => v.length, (d) => d[1] || '');
    const top = Array.from(byCountry).filter(([code]) => code).sort((a, b) => b[1] - a[1])
      .slice(0, TOP_COUNTRIES).map(([code]) => code);
    const topSet = new Set(top);
    const keys = dated.some((d) => !topSet.has(d[1])) ? top.concat(['other']) : top;
    const bins = new Map();
    for (const [time, country] of dated) {
      const start = +interval.floor(new Date(time));
      let bin = bins.get(start);
      if (!bin) { bin = {t: start}; for (const key of keys) bin[key] = 0; bins.set(start, bin); }
      bin[topSet.has(country) ? country : 'other'] += 1;
    }
    const rows = Array.from(bins.values()).sort((a, b) => a.t - b.t);
    const series = d3.stack().keys(keys)(rows);
    const colour = (key) => (key === 'other' ? OTHER_COLOUR : countryColour(key));

    // The legend first: the chart takes the height it leaves.
    for (const key of keys) {
      const swatch = el('span', {class: 'swatch'});
      swatch.style.backgroundColor = colour(key);
      legendBox.append(el('span', {class: 'legend-item'}, swatch, key === 'other' ? 'other or unknown' : countryName(key)));
    }
    const notes = [];
    if (interval !== d3.utcDay) notes.push(interval === d3.utcWeek ? 'one bar a week' : 'one bar a month');
    const hidden = [];
    if (monthOnly) hidden.push(`${fmt(monthOnly)} dated to the month only`);
    if (undated) hidden.push(`${fmt(undated)} undated`);
    if (hidden.length) notes.push(`not drawn: ${hidden.join(', ')}`);
    if (notes.length) legendBox.append(el('span', {class: 'legend-note', text: notes.join('; ')}));

    const width = Math.max(240, box.clientWidth);
    const height = Math.max(100, box.clientHeight);
    const margin = {top: 8, right: 12, bottom: 22, left: 34};
    const start = interval.floor(new Date(first));
    const end = interval.offset(interval.floor(new Date(last)), 1);
    const x = d3.scaleUtc().domain([start, end]).range([margin.left, width - margin.right]);
    const y = d3.scaleLinear().domain([0, d3.max(rows, (r) => keys.reduce((s, k) => s + r[k], 0))]).nice()
      .range([height - margin.bottom, margin.top]);
    timeline.x = x;

    const svg = d3.select(box).append('svg').attr('width', width).attr('height', height)
      .attr('role', 'img').attr('aria-label', 'Incidents per period by country');
    const barWidth = (t) => Math.max(1.5, x(interval.offset(new Date(t), 1)) - x(new Date(t)) - (spanDays < 120 ? 1 : 0));
    svg.append('g').attr('class', 'bars').selectAll('g').data(series).join('g')
      .attr('fill', (s) => colour(s.key))
      .selectAll('rect').data((s) => s).join('rect')
      .attr('x', (d) => x(new Date(d.data.t))).attr('width', (d) => barWidth(d.data.t))
      .attr('y', (d) => y(d[1])).attr('height', (d) => Math.max(0, y(d[0]) - y(d[1])))
      .append('title').text((d) => `${isoDay(d.data.t)}: ${keys.map((k) => d.data[k] ? `${k === 'other' ? 'other' : countryName(k)} ${d.data[k]}` : '').filter(Boolean).join(', ')}`);
    svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${height - margin.bottom})`)
      .call(dateAxis(x, width));
    svg.append('g').attr('class', 'axis').attr('transform', `translate(${margin.left},0)`)
      .call(countAxis(y));

    const brush = d3.brushX().extent([[margin.left, margin.top], [width - margin.right, height - margin.bottom]])
      .on('end', brushed);
    timeline.brush = brush;
    timeline.gBrush = svg.append('g').attr('class', 'brush').call(brush);
    markWindow();
  }

  /** A country's colour on the timeline: fixed by its rank among all incidents (not among those a filter
   * leaves), so that a country keeps its colour whatever is filtered. */
  function countryColour(code) {
    if (!state.countryColours) {
      const counts = d3.rollup(state.all, (v) => v.length, (item) => item.p.country || '');
      const ranked = Array.from(counts).filter(([c]) => c).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      const palette = d3.schemeTableau10.filter((c) => c !== '#bab0ac').concat(d3.schemeSet2);
      state.countryColours = new Map(ranked.map(([c], i) => [c, palette[i % palette.length]]));
    }
    return state.countryColours.get(code) || OTHER_COLOUR;
  }

  /** A left axis of whole counts. */
  function countAxis(y) {
    const ticks = y.ticks(4).filter(Number.isInteger);
    return d3.axisLeft(y).tickValues(ticks).tickFormat(d3.format('~s'));
  }

  /** Date ticks that read the same whatever the span: "17 Oct", or "Oct 2023" over long spans. */
  function dateAxis(x, width) {
    const [a, b] = x.domain();
    const long = +b - +a > 150 * DAY;
    return d3.axisBottom(x).ticks(Math.max(2, Math.floor(width / (long ? 70 : 80))))
      .tickFormat(d3.utcFormat(long ? '%b %Y' : '%-d %b')).tickSizeOuter(0);
  }

  function brushed(event) {
    if (!event.sourceEvent || timeline.snapping) return;  // moved by the code, not by a person
    const form = $('#filters');
    if (!event.selection) {
      form.elements.since.value = '';
      form.elements.until.value = '';
    } else {
      const interval = timeline.interval;
      const [x0, x1] = event.selection.map(timeline.x.invert);
      const from = interval.round(x0);
      let to = interval.round(x1);
      if (+to <= +from) to = interval.offset(from, 1);
      form.elements.since.value = isoDay(+from);
      form.elements.until.value = isoDay(+to - DAY);
    }
    state.spot = null;
    update({timeline: false});
  }

  /** Move the brush to the date window of the filters, and dim the bars outside it. */
  function markWindow() {
    if (!timeline.x || !timeline.gBrush) return;
    const f = state.filters;
    const [d0, d1] = timeline.x.domain();
    const since = dayTime(f.since);
    const until = dayTime(f.until);
    timeline.snapping = true;
    if (since === null && until === null) {
      timeline.gBrush.call(timeline.brush.move, null);
    } else {
      const from = Math.max(+d0, since === null ? +d0 : since);
      const to = Math.min(+d1, until === null ? +d1 : until + DAY);
      const x0 = timeline.x(new Date(from));
      const x1 = timeline.x(new Date(Math.max(from, to)));
      timeline.gBrush.call(timeline.brush.move, x1 - x0 >= 1 ? [x0, x1] : null);
    }
    timeline.snapping = false;
    d3.select('#timeline').selectAll('.bars rect').classed('dim', (d) => {
      const t = d.data.t;
      return (since !== null && t + DAY <= since) || (until !== null && t > until);
    });
  }

  // ---------------------------------------------------------------- official counts

  /** The official counts beside the incidents stored that every filter but the dates keeps (the server counts
   * them, with the filters of the incidents; the dates choose which counts are drawn). */
  async function refreshTallies() {
    const params = new URLSearchParams();
    for (const name of FILTER_NAMES) {
      if (name !== 'since' && name !== 'until' && state.filters[name]) params.append(name, state.filters[name]);
    }
    const query = params.toString();
    if (state.tallyQuery !== query) {
      state.tallyQuery = query;
      try {
        const data = await fetchJSON(`/api/tallies${query ? `?${query}` : ''}`);
        if (state.tallyQuery !== query) return;
        state.tallies = Array.isArray(data.rows) ? data.rows : [];
      } catch (err) {
        state.tallies = [];
        showStatus(`Official counts could not be loaded (${err.message}).`, true);
      }
    }
    renderTally();
  }

  function renderTally() {
    const box = $('#tally');
    const legendBox = $('#tally-legend');
    box.replaceChildren();
    legendBox.replaceChildren();
    const metric = $('#tally-metric').value;
    const f = state.filters;
    const asOf = (r) => dayTime(r.as_of.length === 7 ? `${r.as_of}-01` : r.as_of);
    const inWindow = (date) => (!f.since || date >= f.since) && (!f.until || date <= f.until || date.startsWith(f.until));
    const rows = state.tallies.filter((r) => r && r.metric === metric && typeof r.as_of === 'string'
      && asOf(r) !== null && Number.isFinite(r.count));
    const shown = rows.filter((r) => inWindow(r.as_of));
    if (!shown.length) {
      const why = rows.length ? 'in this date window' : 'for this selection';
      box.append(el('p', {class: 'empty', text: `No official count of ${metric} ${why}.`}));
      box.dataset.points = '0';
      return;
    }
    // One series per reporter, starting date and countries counted: only such counts add up over time.
    const groups = d3.groups(shown, (r) => JSON.stringify([r.reported_by || '', r.since || '',
      Array.isArray(r.countries) ? r.countries : []]))
      .map(([key, list]) => ({key, first: list[0], rows: list.slice().sort((a, b) => asOf(a) - asOf(b))}));
    const colour = d3.scaleOrdinal(groups.map((g) => g.key), d3.schemeTableau10);
    const stored = (r) => Number(r.stored) || 0;

    legendBox.append(el('span', {class: 'legend-item'}, el('span', {class: 'dot filled'}), 'official count',
      el('span', {class: 'dot hollow'}), 'incidents in the store, same window'));
    for (const group of groups) {
      const r = group.first;
      const swatch = el('span', {class: 'swatch'});
      swatch.style.backgroundColor = colour(group.key);
      const countries = Array.isArray(r.countries) && r.countries.length ? r.countries.join(', ') : null;
      const text = [r.reported_by || 'unnamed source', r.since ? `since ${r.since}` : null, countries]
        .filter(Boolean).join(' · ');
      legendBox.append(el('span', {class: 'legend-item'}, swatch, text));
    }

    const width = Math.max(240, box.clientWidth);
    const height = Math.max(100, box.clientHeight);
    const margin = {top: 14, right: 18, bottom: 22, left: 40};
    let x0 = d3.min(shown, asOf);
    let x1 = d3.max(shown, asOf);
    if (dayTime(f.since) !== null) x0 = Math.min(x0, dayTime(f.since));
    if (dayTime(f.until) !== null) x1 = Math.max(x1, dayTime(f.until));
    if (x1 - x0 < 14 * DAY) { x0 -= 7 * DAY; x1 += 7 * DAY; }
    const pad = (x1 - x0) * 0.05;
    const x = d3.scaleUtc().domain([new Date(x0 - pad), new Date(x1 + pad)]).range([margin.left, width - margin.right]);
    const yMax = d3.max(shown, (r) => Math.max(r.count, stored(r))) || 1;
    const y = d3.scaleLinear().domain([0, yMax * 1.08]).nice().range([height - margin.bottom, margin.top]);
    const at = (r) => x(new Date(asOf(r)));

    const svg = d3.select(box).append('svg').attr('width', width).attr('height', height)
      .attr('role', 'img').attr('aria-label', `Official counts of ${metric} and incidents in the store`);
    svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${height - margin.bottom})`)
      .call(dateAxis(x, width));
    svg.append('g').attr('class', 'axis').attr('transform', `translate(${margin.left},0)`).call(countAxis(y));
    const labelled = shown.length <= 16;
    for (const group of groups) {
      const g = svg.append('g').attr('class', 'series').attr('color', colour(group.key));
      g.append('path').attr('class', 'official-line').attr('d', d3.line().x(at).y((r) => y(r.count))(group.rows));
      g.append('path').attr('class', 'stored-line').attr('d', d3.line().x(at).y((r) => y(stored(r)))(group.rows));
      const point = g.selectAll('g.point').data(group.rows).join('g').attr('class', 'point');
      point.append('line').attr('class', 'gap').attr('x1', at).attr('x2', at)
        .attr('y1', (r) => y(r.count)).attr('y2', (r) => y(stored(r)));
      point.append('circle').attr('class', 'stored').attr('r', 3.5).attr('cx', at).attr('cy', (r) => y(stored(r)));
      point.append('circle').attr('class', 'official').attr('r', 4.5).attr('cx', at).attr('cy', (r) => y(r.count));
      if (labelled) {
        point.append('text').attr('class', 'value official-value').attr('x', (r) => at(r) + 7)
          .attr('y', (r) => y(r.count) + 4).text((r) => fmt(r.count));
        point.append('text').attr('class', 'value stored-value').attr('x', (r) => at(r) + 7)
          .attr('y', (r) => y(stored(r)) + 4).text((r) => fmt(stored(r)));
      }
      point.append('title').text(tallyTitle);
    }
    box.dataset.points = String(shown.length);
  }

  function tallyTitle(r) {
    const qualifier = r.qualifier ? `${String(r.qualifier).replace(/_/g, ' ')} ` : '';
    const lines = [
      `${r.reported_by || 'unnamed source'}, as of ${r.as_of}: ${qualifier}${fmt(r.count)} ${r.metric}`
        + `${r.since ? ` since ${r.since}` : ''}${Array.isArray(r.countries) && r.countries.length ? ` (${r.countries.join(', ')})` : ''}`,
      `in the store for the same window: ${fmt(Number(r.stored) || 0)}`,
    ];
    const extra = [];
    if (r.uncertain) extra.push(`${fmt(r.uncertain)} uncertain`);
    if (r.undated) extra.push(`${fmt(r.undated)} undated`);
    if (r.without_figure) extra.push(`${fmt(r.without_figure)} without a figure`);
    if (extra.length) lines.push(extra.join(', '));
    return lines.join('\n');
  }

  // ---------------------------------------------------------------- incident list

  function renderList() {
    const body = $('#incident-list tbody');
    let items = state.shown;
    const note = $('#list-note');
    note.replaceChildren();
    if (state.spot) {
      const spot = state.spot;
      items = items.filter((item) => spot.has(item.id));
      const back = el('button', {type: 'button', class: 'small', text: 'show all'});
      back.addEventListener('click', () => { state.spot = null; renderList(); });
      note.append(`${fmt(items.length)} incidents at one spot on the map `, back);
    } else {
      note.textContent = items.length > LIST_LIMIT
        ? `the ${LIST_LIMIT} most recent of ${fmt(items.length)}` : `${fmt(items.length)}, most recent first`;
    }
    const rows = [];
    for (const item of items.slice(0, LIST_LIMIT)) {
      const p = item.p;
      const place = p.site || p.admin1 || '';
      // one line a row: long values are cut with an ellipsis, and whole in the cell's title
      const cell = (name, text, title) => el('td', {class: `c-${name}`, text, title: title || text});
      const hurt = `${p.killed ?? '–'} / ${p.injured ?? '–'}`;
      const row = el('tr', {tabindex: 0, 'data-id': item.id, class: item.id === state.selected ? 'selected' : null},
        cell('date', p.date || 'undated'),
        cell('country', p.country || '–', countryName(p.country)),
        cell('place', place || '–', [p.site, p.admin1, countryName(p.country)].filter(Boolean).join(', ')),
        cell('type', label(p.event_type)),
        cell('weapon', label(p.weapon)),
        cell('status', label(p.status)),
        cell('hurt', hurt, `killed ${p.killed ?? 'not given'}, injured ${p.injured ?? 'not given'}`),
        cell('reports', fmt(p.n_reports || 0), `${fmt(p.n_reports || 0)} source report(s)`));
      rows.push(row);
    }
    if (!rows.length) {
      const clear = el('button', {type: 'button', class: 'small', text: 'Clear filters'});
      clear.addEventListener('click', () => $('#filters').reset());
      const why = state.all.length ? 'No incident matches these filters.' : 'The store holds no incident yet.';
      rows.push(el('tr', {class: 'empty-row'}, el('td', {colspan: 8}, why, state.all.length ? ' ' : '',
        state.all.length ? clear : null)));
    }
    body.replaceChildren(...rows);
  }

  function listClicked(event) {
    const row = event.target.closest('tr[data-id]');
    if (row) openIncident(row.dataset.id);
  }

  // ---------------------------------------------------------------- incident panel

  let panelRequest = 0;

  async function openIncident(id) {
    state.selected = id;
    for (const row of document.querySelectorAll('#incident-list tr.selected')) row.classList.remove('selected');
    for (const row of document.querySelectorAll('#incident-list tr[data-id]')) {
      if (row.dataset.id === id) row.classList.add('selected');
    }
    showSelected();
    renderClusters();
    const panel = $('#panel');
    const request = ++panelRequest;
    panel.replaceChildren(el('p', {class: 'placeholder', text: 'Loading the incident…'}));
    let data;
    try {
      data = await fetchJSON(`/api/incidents/${encodeURIComponent(id)}`);
    } catch (err) {
      if (request === panelRequest) panel.replaceChildren(el('p', {class: 'error', text: `Could not load the incident: ${err.message}`}));
      return;
    }
    if (request !== panelRequest) return;
    renderPanel(panel, data);
  }

  function closePanel() {
    state.selected = null;
    panelRequest += 1;
    for (const row of document.querySelectorAll('#incident-list tr.selected')) row.classList.remove('selected');
    $('#panel').replaceChildren(el('p', {class: 'placeholder', text: 'Choose an incident on the map or in the list to see what each source says.'}));
    renderClusters();
  }

  function renderPanel(panel, data) {
    const inc = data.incident || {};
    const fused = data.fused || {};
    const fields = fused.fields || {};
    const sources = Array.isArray(data.sources) ? data.sources : [];
    const place = [inc.site, inc.admin1, inc.country ? countryName(inc.country) : null].filter(Boolean).join(', ');

    const close = el('button', {type: 'button', class: 'close', 'aria-label': 'Close', text: '×'});
    close.addEventListener('click', closePanel);
    const head = el('div', {class: 'panel-head'},
      el('div', null,
        el('h2', {text: `${capitalised(label(inc.event_type))}${place ? ` · ${place}` : ''}`}),
        el('p', {class: 'sub'}, el('span', {text: inc.date || 'undated'}), ' · ',
          el('span', {class: `badge status-${/^[a-z_]+$/.test(inc.status || '') ? inc.status : 'other'}`, text: label(inc.status)}),
          fused.status_by && fused.status_by.length ? ` by ${fused.status_by.join(', ')}` : '',
          ' · ', el('code', {text: inc.id || ''}))),
      close);

    const facts = el('dl', {class: 'facts'});
    const fact = (name, value, conflict) => {
      facts.append(el('dt', {text: name}), el('dd', null, value, conflict || null));
    };
    const datePart = inc.date ? `${inc.date}${inc.date_precision && inc.date_precision !== 'day' ? ` (${inc.date_precision})` : ''}` : 'not given';
    fact('Date', datePart, conflictNote('date', fields.date));
    fact('Place', place ? `${place}${inc.geo_precision ? ` (${inc.geo_precision})` : ''}` : 'not given', conflictNote('place', fields.place));
    fact('Type', label(inc.event_type));
    for (const name of ['weapon', 'actor', 'target', 'claimed_by', 'confirmed_by', 'killed', 'injured', 'intercepted']) {
      const value = name in inc ? inc[name] : fused[name];
      if (name === 'target' || name === 'intercepted') {
        if ((value === null || value === undefined) && !(fields[name] && fields[name].values && fields[name].values.length > 1)) continue;
      }
      fact(FIELD_LABELS[name], formatValue(name, value), conflictNote(name, fields[name]));
    }
    const languages = Array.isArray(inc.languages) ? inc.languages.join(', ') : '';
    const copies = new Set(sources.filter((src) => src.copy_of).map((src) => String(src.report_id)));
    const copyNote = copies.size ? ` (and ${fmt(copies.size)} ${copies.size === 1 ? 'copy' : 'copies'} of them, not counted)` : '';
    fact('Sources', `${fmt(inc.n_reports ?? sources.length)} source report(s)${copyNote}, ${fmt(inc.n_mentions ?? sources.length)} mention(s)${languages ? ` in ${languages}` : ''}`);

    const list = el('div', {class: 'sources'});
    sources.forEach((source) => list.append(renderSource(source)));

    const parts = [head, facts, el('h3', {text: `What the sources say (${sources.length})`}), list];
    const decisions = Array.isArray(data.decisions) ? data.decisions : [];
    if (decisions.length) {
      const ol = el('ol', {class: 'decisions'});
      for (const d of decisions) {
        ol.append(el('li', null, el('strong', {text: String(d.action ?? '')}), ` ${d.reason ?? ''}`,
          d.mention_key ? el('span', {class: 'muted', text: ` (${d.mention_key})`}) : null));
      }
      parts.push(el('details', {class: 'decisions-box'}, el('summary', {text: `How the sources were merged (${decisions.length})`}), ol));
    }
    panel.replaceChildren(...parts);
    panel.scrollTop = 0;
  }

  function formatValue(name, value) {
    if (value === null || value === undefined || value === '') return 'not given';
    if (name === 'date' && typeof value === 'object') return `${value.date}${value.date_precision && value.date_precision !== 'day' ? ` (${value.date_precision})` : ''}`;
    if (name === 'place' && typeof value === 'object') {
      return [value.site, value.admin1, value.country ? countryName(value.country) : null].filter(Boolean).join(', ') || 'not given';
    }
    if (typeof value === 'boolean') return value ? 'yes' : 'no';
    if (typeof value === 'object') return JSON.stringify(value);
    return label(value);
  }

  /** Where the sources disagree on a field: how many mentions gave the chosen value, and the other values
   * side by side with their number of mentions. */
  function conflictNote(name, provenance) {
    if (!provenance || !Array.isArray(provenance.values) || provenance.values.length < 2) return null;
    const chosen = JSON.stringify(provenance.value);
    const count = (keys) => (Array.isArray(keys) ? keys.length : 0);
    const total = provenance.values.reduce((sum, [, keys]) => sum + count(keys), 0);
    const same = provenance.values.find(([value]) => JSON.stringify(value) === chosen);
    const others = provenance.values.filter((entry) => entry !== same);
    const note = el('span', {class: 'conflict'});
    note.append(same ? `${count(same[1])} of ${total} mentions; also said: ` : 'sources differ: ');
    others.forEach(([value, keys], i) => {
      if (i) note.append(' · ');
      note.append(el('span', {class: 'conflict-value', text: formatValue(name, value),
        title: Array.isArray(keys) ? keys.join('\n') : ''}), ` (${count(keys)})`);
    });
    return note;
  }

  function renderSource(source) {
    const url = webUrl(source.url);
    const lang = langTag(source.lang);
    const head = el('div', {class: 'source-head'},
      el('span', {class: 'lang', text: lang || '?'}),
      el('span', {text: source.published || 'undated'}),
      el('span', {class: 'host', text: url ? url.host : 'no web address'}));
    const links = el('span', {class: 'links'});
    if (url) {
      links.append(el('a', {href: url.href, target: '_blank', rel: 'noopener noreferrer nofollow', class: 'original', text: 'original'}));
    }
    // the server's link (?id=...) reaches every id, "/" and all; built here only if a server gives none
    const given = typeof source.report === 'string' && source.report.startsWith('/api/report') ? source.report : null;
    const reportHref = given || `/api/report?id=${encodeURIComponent(String(source.report_id ?? ''))}`;
    const stored = el('a', {href: reportHref, class: 'stored-text', text: 'stored text', target: '_blank', rel: 'noopener'});
    links.append(stored);
    head.append(links);

    const item = el('article', {class: source.copy_of ? 'source copy' : 'source'}, head);
    if (source.copy_of) {
      const similar = Number.isFinite(source.copy_similarity) && source.copy_similarity < 1
        ? `nearly the same text (${Math.round(source.copy_similarity * 100)}% alike) as` : 'the same text as';
      item.append(el('p', {class: 'copy-note'}, el('strong', {text: 'A copy: '}),
        `${similar} `, el('code', {text: String(source.copy_of)}), ', so one source with it, not a second witness.'));
    }
    if (typeof source.sentence === 'string' && source.sentence) {
      const sentence = el('p', {class: 'sentence', dir: 'auto', lang});
      sentence.append(...highlighted(source.sentence, source.highlights));
      item.append(sentence);
      const marked = Array.from(new Set((source.highlights || []).map((h) => h && h.field).filter((f) => typeof f === 'string')));
      if (marked.length) item.append(el('p', {class: 'marked', text: `marked: ${marked.map((f) => (FIELD_LABELS[f] || f).toLowerCase()).join(', ')}`}));
    } else {
      item.append(el('p', {class: 'muted', text: 'No sentence was stored for this mention.'}));
    }
    stored.addEventListener('click', (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      toggleStoredText(item, reportHref, source.sentence);
    });
    return item;
  }

  /** The sentence as text nodes, with <mark> around the (merged) highlight spans.
   * Offsets count Unicode code points, as Python's do, not UTF-16 units. */
  function highlighted(sentence, highlights) {
    const chars = Array.from(sentence);
    const spans = [];
    for (const h of Array.isArray(highlights) ? highlights : []) {
      if (!h || !Number.isInteger(h.start) || !Number.isInteger(h.end)) continue;
      const start = Math.max(0, h.start);
      const end = Math.min(chars.length, h.end);
      if (end > start) spans.push({start, end, fields: [String(h.field ?? '')]});
    }
    spans.sort((a, b) => a.start - b.start || a.end - b.end);
    const merged = [];
    for (const span of spans) {
      const last = merged[merged.length - 1];
      if (last && span.start < last.end) {
        last.end = Math.max(last.end, span.end);
        for (const f of span.fields) if (!last.fields.includes(f)) last.fields.push(f);
      } else {
        merged.push({start: span.start, end: span.end, fields: span.fields.slice()});
      }
    }
    const nodes = [];
    let at = 0;
    for (const span of merged) {
      if (span.start > at) nodes.push(document.createTextNode(chars.slice(at, span.start).join('')));
      nodes.push(el('mark', {title: span.fields.filter(Boolean).join(', '), text: chars.slice(span.start, span.end).join('')}));
      at = span.end;
    }
    if (at < chars.length) nodes.push(document.createTextNode(chars.slice(at).join('')));
    return nodes;
  }

  async function toggleStoredText(item, href, sentence) {
    const open = item.querySelector('.report-text');
    if (open) { open.remove(); return; }
    const box = el('div', {class: 'report-text'}, el('p', {class: 'muted', text: 'Loading the stored text…'}));
    item.append(box);
    try {
      const report = await fetchJSON(href);
      const text = typeof report.text === 'string' ? report.text : '';
      const pre = el('pre', {dir: 'auto', lang: langTag(report.lang)});
      const at = typeof sentence === 'string' && sentence ? text.indexOf(sentence) : -1;
      if (at >= 0) {
        pre.append(text.slice(0, at), el('mark', {text: sentence}), text.slice(at + sentence.length));
      } else {
        pre.textContent = text;
      }
      box.replaceChildren(pre);
      const mark = pre.querySelector('mark');
      if (mark) pre.scrollTop = Math.max(0, mark.offsetTop - pre.offsetTop - 40);
    } catch (err) {
      box.replaceChildren(el('p', {class: 'error', text: `Could not load the stored text: ${err.message}`}));
    }
  }

  // ---------------------------------------------------------------- sources and news, without a reload

  function refreshSeconds() {
    const asked = Number(new URLSearchParams(window.location.search).get('refresh'));
    return Number.isFinite(asked) && asked >= 1 ? asked : REFRESH_SECONDS;
  }

  function when(iso) {
    if (typeof iso !== 'string' || !iso) return 'never';
    return iso.replace('T', ' ').replace(/(\+00:00|Z)$/, ' UTC');
  }

  function renderSources(data) {
    const box = $('#sources');
    const sources = data && Array.isArray(data.sources) ? data.sources : [];
    box.hidden = sources.length === 0;  // a store no watcher writes to has nothing to show here
    if (!sources.length) return;
    const failing = sources.filter((s) => s.last_error).length;
    const summary = $('#sources-summary');
    summary.textContent = `Sources: ${fmt(sources.filter((s) => !s.parent).length)}`
      + (failing ? ` · ${fmt(failing)} failing` : '');
    summary.classList.toggle('failing', failing > 0);
    const rows = sources.map((s) => {
      const link = webUrl(s.url);
      const name = s.parent ? (link ? link.pathname : String(s.url)) : String(s.name || s.url);
      const stored = (s.articles && Number(s.articles.stored)) || 0;
      const error = s.last_error ? `${s.last_error} (${when(s.last_error_at)}; ${fmt(Number(s.failures) || 0)} in a row)` : '–';
      const kind = [s.parent ? 'child' : '', s.last_error ? 'failing' : ''].filter(Boolean).join(' ');
      return el('tr', {class: kind || null, title: String(s.url)},
        el('td', {text: name}), el('td', {class: 'nowrap', text: when(s.last_success)}),
        el('td', {class: 'num', text: fmt(stored)}), el('td', {class: 'error-cell', text: error}));
    });
    box.querySelector('tbody').replaceChildren(...rows);
    const store = (data && data.store) || {};
    $('#sources-note').textContent = `Last stored: ${when(store.committed_at)}. Checked every ${refreshSeconds()} s.`;
  }

  async function lookForNews() {
    const data = await fetchJSON('/api/sources');
    if (state.newsFailed) showStatus('');
    state.newsFailed = false;
    renderSources(data);
    const batch = Number(data && data.store && data.store.batch) || 0;
    if (batch === state.batch) return;
    const known = new Set(state.all.map((item) => item.id));
    state.all = toItems(await fetchJSON('/api/incidents.geojson'));
    state.batch = batch;
    populateFilters();
    await update();
    const added = state.all.filter((item) => !known.has(item.id)).length;
    if (added) showStatus(`${fmt(added)} new incident${added === 1 ? '' : 's'} (${new Date().toLocaleTimeString('en-GB')})`);
    document.body.dataset.batch = String(batch);
  }

  function keepLooking() {
    setTimeout(() => {
      lookForNews()
        .catch((err) => {
          state.newsFailed = true;
          showStatus(`Could not look for new incidents (${err.message}).`, true);
        })
        .finally(keepLooking);
    }, refreshSeconds() * 1000);
  }

  // ---------------------------------------------------------------- start

  function toItems(collection) {
    const features = collection && Array.isArray(collection.features) ? collection.features : [];
    const items = [];
    for (const feature of features) {
      const p = feature && feature.properties;
      if (!p || typeof p !== 'object') continue;
      const id = String(feature.id ?? p.id ?? '');
      const coords = feature.geometry && feature.geometry.type === 'Point' ? feature.geometry.coordinates : null;
      const placed = Array.isArray(coords) && Number.isFinite(coords[0]) && Number.isFinite(coords[1]);
      items.push({id, p, lon: placed ? coords[0] : null, lat: placed ? coords[1] : null});
    }
    // Most recent first, undated last; filtering keeps this order, so the list needs no sort.
    items.sort((a, b) => {
      const da = typeof a.p.date === 'string' ? a.p.date : '';
      const db = typeof b.p.date === 'string' ? b.p.date : '';
      return da < db ? 1 : da > db ? -1 : (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    });
    return items;
  }

  function wire() {
    const form = $('#filters');
    form.addEventListener('submit', (event) => event.preventDefault());
    form.addEventListener('change', (event) => {
      if (event.target.name === 'actor') return;
      state.spot = null;
      update({timeline: !['since', 'until'].includes(event.target.name)});
    });
    form.elements.actor.addEventListener('input', debounce(() => { state.spot = null; update(); }, 250));
    form.addEventListener('reset', () => setTimeout(() => { state.spot = null; update(); }, 0));
    $('#reset-window').addEventListener('click', () => {
      form.elements.since.value = '';
      form.elements.until.value = '';
      update({timeline: false});
    });
    for (const radio of document.querySelectorAll('input[name="colour-by"]')) {
      radio.addEventListener('change', () => {
        state.colourBy = radio.value === 'status' ? 'status' : 'event_type';
        renderMapLegend();
        renderClusters();
      });
    }
    $('#tally-metric').addEventListener('change', renderTally);
    const list = $('#incident-list');
    list.addEventListener('click', listClicked);
    list.addEventListener('keydown', (event) => { if (event.key === 'Enter') listClicked(event); });
    window.addEventListener('resize', debounce(() => {
      map.leaflet.invalidateSize();
      renderTimeline();
      renderTally();
    }, 200));
  }

  async function start() {
    try {
      state.config = await fetchJSON('/api/config');
    } catch (err) {
      state.config = {tiles: null, write: false};
    }
    const borders = initMap();
    wire();
    let collection;
    try {
      // the store's mark first: a batch stored while the incidents load is found at the next look
      const sources = await fetchJSON('/api/sources').catch(() => null);
      renderSources(sources);
      state.batch = Number(sources && sources.store && sources.store.batch) || 0;
      collection = await fetchJSON('/api/incidents.geojson');
    } catch (err) {
      $('#count').textContent = 'No incidents loaded';
      showStatus(`The incidents could not be loaded (${err.message}).`, true);
      return;
    }
    state.all = toItems(collection);
    populateFilters();
    await Promise.all([update(), borders]);
    document.body.dataset.batch = String(state.batch);
    document.body.dataset.ready = '1';  // everything drawn: the browser tests wait for this
    keepLooking();
  }

  document.addEventListener('DOMContentLoaded', start);
})();
