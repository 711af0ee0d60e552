import CARKineticsNumerics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Maps byte strings — profile keys (the subject's bytes, then each group value after a 0x1F separator) and
/// unit spellings — to dense numbers 0, 1, 2, … in order of first appearance, without one heap object per key.
///
/// Keys live back to back in one byte arena; the table is open addressing with linear probing over
/// power-of-two slots, kept at most half full, holding key numbers (−1 = empty). Memory is the key bytes
/// plus about 24 bytes per key, and a lookup hashes the key once (FNV-1a, 64-bit) and usually compares it
/// with one stored key.
struct ByteInterner {
    private var arena: [UInt8] = []
    /// Start of each profile's key in `arena`; the key ends where the next one starts.
    private var starts: [Int] = [0]
    private var hashes: [UInt64] = []
    private var slots = [Int32](repeating: -1, count: 1024)

    var count: Int { hashes.count }

    /// The number of `key`, and whether it was added by this call.
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>) -> (profile: Int, inserted: Bool) {
        let hash = Self.hash(key)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let occupant = Int(slots[slot])
            if occupant < 0 { break }
            if hashes[occupant] == hash, equals(occupant, key) { return (occupant, false) }
            slot = (slot + 1) & mask
        }
        let profile = hashes.count
        slots[slot] = Int32(truncatingIfNeeded: profile)
        hashes.append(hash)
        arena.append(contentsOf: key)
        starts.append(arena.count)
        if 2 * hashes.count > slots.count { grow() }
        return (profile, true)
    }

    /// The number of `key` when it is already present; reads only, so threads may share one interner while
    /// nothing inserts.
    func find(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        let hash = Self.hash(key)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let occupant = Int(slots[slot])
            if occupant < 0 { return nil }
            if hashes[occupant] == hash, equals(occupant, key) { return occupant }
            slot = (slot + 1) & mask
        }
    }

    /// The text of key number `id`.
    func string(_ id: Int) -> String {
        String(decoding: arena[starts[id]..<starts[id + 1]], as: UTF8.self)
    }

    /// True when key number `profile` has exactly these bytes.
    func equals(_ profile: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = starts[profile]
        guard starts[profile + 1] - start == key.count else { return false }
        guard key.count > 0, let keyBase = key.baseAddress else { return true }
        return arena.withUnsafeBufferPointer { stored in memcmp(stored.baseAddress! + start, keyBase, key.count) == 0 }
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (profile, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(truncatingIfNeeded: profile)
        }
    }

    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        // Fold the high bits down: the table indexes with the low bits, which FNV mixes least.
        return h ^ (h >> 29)
    }
}
