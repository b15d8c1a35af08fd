// Leaflet set up from GET /api/v1/config: none → grid polygons only; tianditu → WGS-84 tiles
// with the key; gcj02 → a GCJ-02 tile template, our WGS-84 data converted for display only.
// Imported only by lazy desk chunks (Leaflet and gcoord stay out of the initial bundle).
import L from 'leaflet'
import 'leaflet/dist/leaflet.css'
import gcoord from 'gcoord'
import type { Area, MapConfig } from './types'

export type LatLon = [number, number]

export interface DeskMap {
  map: L.Map
  /** WGS-84 point → what to draw on this map */
  toDisplay(lat: number, lon: number): LatLon
  gridLayer(grids: Area[], style?: L.PathOptions): L.GeoJSON
}

export function createDeskMap(el: HTMLElement, cfg: MapConfig, opts: L.MapOptions = {}): DeskMap {
  const map = L.map(el, { zoomControl: true, attributionControl: cfg.provider !== 'none', ...opts })
  const gcj = cfg.provider === 'gcj02'
  if (cfg.provider !== 'none' && cfg.url_template) {
    L.tileLayer(cfg.url_template, { subdomains: cfg.provider === 'tianditu' ? '01234567' : 'abc', maxZoom: 18,
      attribution: cfg.attribution ?? '' }).addTo(map)
  }
  function toDisplay(lat: number, lon: number): LatLon {
    if (!gcj) return [lat, lon]
    const [x, y] = gcoord.transform([lon, lat], gcoord.WGS84, gcoord.GCJ02) as [number, number]
    return [y, x]
  }
  function gridLayer(grids: Area[], style: L.PathOptions = {}): L.GeoJSON {
    const fc: GeoJSON.FeatureCollection = {
      type: 'FeatureCollection',
      features: grids.filter((g) => g.geometry).map((g) => ({
        type: 'Feature', properties: { code: g.code, name: g.name }, geometry: g.geometry as unknown as GeoJSON.Geometry,
      })),
    }
    // gcoord converts GeoJSON in place: convert a deep copy, never the cached areas.
    const shown = gcj
      ? (gcoord.transform(structuredClone(fc) as never, gcoord.WGS84, gcoord.GCJ02) as unknown as GeoJSON.FeatureCollection)
      : fc
    return L.geoJSON(shown, {
      style: { color: '#455a64', weight: 1, fillColor: '#90a4ae', fillOpacity: 0.08, ...style },
      onEachFeature: (f, layer) => layer.bindTooltip(`${String(f.properties?.name ?? '')}`, { sticky: true }),
    })
  }
  return { map, toDisplay, gridLayer }
}
