//! Distances on the sphere (haversine, crate `geo`) and the bounding box
//! that prefilters candidates in SQL.

use geo::{Distance, Haversine, Point};

use crate::db::discovery::BBox;

/// Mean Earth radius used by `geo`'s haversine, in km.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Haversine distance in km between two `(lat, lng)` points.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    Haversine.distance(Point::new(a.1, a.0), Point::new(b.1, b.0)) / 1000.0
}

/// A latitude/longitude box that contains every point within `radius_km`
/// of `center` (and some more, near its corners).
pub fn bbox(center: (f64, f64), radius_km: f64) -> BBox {
    let (lat, lng) = center;
    let dlat = (radius_km / EARTH_RADIUS_KM).to_degrees();
    let min_lat = (lat - dlat).max(-90.0);
    let max_lat = (lat + dlat).min(90.0);
    // Near a pole every longitude may be within reach.
    if lat.abs() + dlat >= 89.0 {
        return BBox {
            min_lat,
            max_lat,
            min_lng: -180.0,
            max_lng: 180.0,
            lng_wraps: false,
            lng_any: true,
        };
    }
    // The widest longitude span is at the latitude farthest from the equator.
    let widest = lat.abs() + dlat;
    let dlng = (radius_km / (EARTH_RADIUS_KM * widest.to_radians().cos())).to_degrees();
    if dlng >= 180.0 {
        return BBox {
            min_lat,
            max_lat,
            min_lng: -180.0,
            max_lng: 180.0,
            lng_wraps: false,
            lng_any: true,
        };
    }
    let mut min_lng = lng - dlng;
    let mut max_lng = lng + dlng;
    let mut lng_wraps = false;
    if min_lng < -180.0 {
        min_lng += 360.0;
        lng_wraps = true;
    } else if max_lng > 180.0 {
        max_lng -= 360.0;
        lng_wraps = true;
    }
    BBox {
        min_lat,
        max_lat,
        min_lng,
        max_lng,
        lng_wraps,
        lng_any: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inside(b: &BBox, p: (f64, f64)) -> bool {
        let lat_ok = p.0 >= b.min_lat && p.0 <= b.max_lat;
        let lng_ok = b.lng_any
            || if b.lng_wraps {
                p.1 >= b.min_lng || p.1 <= b.max_lng
            } else {
                p.1 >= b.min_lng && p.1 <= b.max_lng
            };
        lat_ok && lng_ok
    }

    #[test]
    fn distances() {
        // Cape Town to Johannesburg: about 1262 km.
        let d = distance_km((-33.9249, 18.4241), (-26.2041, 28.0473));
        assert!((d - 1262.0).abs() < 10.0, "{d}");
        assert!(distance_km((0.0, 0.0), (0.0, 0.0)).abs() < 1e-9);
    }

    #[test]
    fn the_box_contains_the_circle() {
        for center in [
            (0.0, 0.0),
            (-33.9, 18.4),
            (60.0, 179.9),
            (-60.0, -179.95),
            (88.5, 10.0),
        ] {
            for radius in [1.0, 25.0, 300.0] {
                let b = bbox(center, radius);
                for step in 0..72 {
                    let bearing = f64::from(step) * 5.0;
                    // A point at (almost) exactly `radius` from the centre.
                    let dest = geo::Destination::destination(
                        &Haversine,
                        Point::new(center.1, center.0),
                        bearing,
                        radius * 999.0,
                    );
                    assert!(
                        inside(&b, (dest.y(), dest.x())),
                        "{center:?} {radius} {bearing}"
                    );
                }
            }
        }
    }
}
