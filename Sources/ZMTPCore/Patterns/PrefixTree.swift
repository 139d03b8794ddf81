/// A radix tree over byte strings, the store behind both subscription tries.
///
/// Nodes live in one array and refer to each other by index, and every walk is a loop: no
/// operation recurses, and releasing the tree is releasing one array, so neither a very long
/// topic nor a very deep tree can exhaust the stack (the hazard of libzmq's mtrie advisory,
/// GHSA-qq65-x72m-9wr8). An edge holds a run of bytes rather than one byte, so a topic costs
/// its length plus at most two nodes, however long it is.
///
/// A node that holds a value keeps its index for as long as it holds one (splits add a new
/// node above it, pruning only removes valueless nodes), so callers may keep such indices.
package struct PrefixTree<Value> {
    fileprivate struct Node {
        /// The bytes on the edge from the parent (empty only for the root).
        var label: [UInt8]
        var value: Value?
        var parent: Int
        var children: [UInt8: Int]
    }

    private static var root: Int { 0 }
    private var nodes: [Node] = [Node(label: [], value: nil, parent: -1, children: [:])]
    private var freeSlots: [Int] = []

    package init() {}

    /// The index of the node for `key`, if the tree has one (with or without a value).
    package func find(_ key: ArraySlice<UInt8>) -> Int? {
        var node = Self.root
        var i = key.startIndex
        while i < key.endIndex {
            guard let child = nodes[node].children[key[i]] else { return nil }
            let length = nodes[child].label.count
            guard key.endIndex - i >= length, key[i..<(i + length)].elementsEqual(nodes[child].label) else { return nil }
            i += length
            node = child
        }
        return node
    }

    /// The index of the node for `key`, adding it (and splitting an edge) when needed.
    package mutating func insert(_ key: ArraySlice<UInt8>) -> Int {
        var node = Self.root
        var i = key.startIndex
        while i < key.endIndex {
            guard let child = nodes[node].children[key[i]] else {
                let leaf = allocate(Node(label: Array(key[i...]), value: nil, parent: node, children: [:]))
                nodes[node].children[key[i]] = leaf
                return leaf
            }
            let common = commonPrefixLength(nodes[child].label, key[i...])
            if common == nodes[child].label.count {
                i += common
                node = child
                continue
            }
            // The key leaves this edge part-way: a new node takes the shared part.
            let labelTail = Array(nodes[child].label[common...])
            let middle = allocate(Node(label: Array(key[i..<(i + common)]), value: nil, parent: node,
                                       children: [labelTail[0]: child]))
            nodes[node].children[key[i]] = middle
            nodes[child].label = labelTail
            nodes[child].parent = middle
            i += common
            guard i < key.endIndex else { return middle }
            let leaf = allocate(Node(label: Array(key[i...]), value: nil, parent: middle, children: [:]))
            nodes[middle].children[key[i]] = leaf
            return leaf
        }
        return node
    }

    package subscript(node: Int) -> Value? { nodes[node].value }

    /// The value of the empty key, a prefix of every key.
    package var emptyKeyValue: Value? { nodes[Self.root].value }

    /// Changes a node's value in place (the tree lets go of it meanwhile, so a set or counter
    /// is not copied); a node left without a value is pruned.
    package mutating func update<R>(_ node: Int, _ body: (inout Value?) -> R) -> R {
        var value = nodes[node].value
        nodes[node].value = nil
        let result = body(&value)
        nodes[node].value = value
        if value == nil { prune(node) }
        return result
    }

    /// The key a node stands for, rebuilt from its edges.
    package func key(of node: Int) -> [UInt8] {
        var labels: [Int] = []
        var n = node
        while n != Self.root {
            labels.append(n)
            n = nodes[n].parent
        }
        var key: [UInt8] = []
        for n in labels.reversed() { key.append(contentsOf: nodes[n].label) }
        return key
    }

    /// Calls `body` with the value of every key that is a prefix of `topic` (shortest first,
    /// the empty key included) until it returns false.
    package func forEachPrefix<Topic: RandomAccessCollection<UInt8>>(of topic: Topic, _ body: (Value) -> Bool) where Topic.Index == Int {
        var node = Self.root
        var i = topic.startIndex
        while true {
            if let value = nodes[node].value, !body(value) { return }
            guard i < topic.endIndex, let child = nodes[node].children[topic[i]] else { return }
            let length = nodes[child].label.count
            guard topic.endIndex - i >= length, topic[i..<(i + length)].elementsEqual(nodes[child].label) else { return }
            i += length
            node = child
        }
    }

    /// Every key with a value, in byte order (depth first, with an explicit stack).
    package func keys() -> [[UInt8]] {
        var result: [[UInt8]] = []
        var stack: [(node: Int, key: [UInt8])] = [(Self.root, [])]
        while let (node, key) = stack.popLast() {
            if nodes[node].value != nil { result.append(key) }
            for byte in nodes[node].children.keys.sorted(by: >) {
                let child = nodes[node].children[byte]!
                stack.append((child, key + nodes[child].label))
            }
        }
        return result
    }

    /// Removes a node left without a value when it serves no key, and merges a valueless node
    /// with a single child into it. Only the node and its parent can be affected.
    private mutating func prune(_ start: Int) {
        var node = start
        if node != Self.root, nodes[node].children.isEmpty {
            let parent = nodes[node].parent
            nodes[parent].children[nodes[node].label[0]] = nil
            release(node)
            node = parent
        }
        guard node != Self.root, nodes[node].value == nil, nodes[node].children.count == 1,
              let child = nodes[node].children.values.first else { return }
        let parent = nodes[node].parent
        nodes[child].label = nodes[node].label + nodes[child].label
        nodes[child].parent = parent
        nodes[parent].children[nodes[child].label[0]] = child
        release(node)
    }

    private mutating func allocate(_ node: Node) -> Int {
        if let slot = freeSlots.popLast() {
            nodes[slot] = node
            return slot
        }
        nodes.append(node)
        return nodes.count - 1
    }

    private mutating func release(_ node: Int) {
        nodes[node] = Node(label: [], value: nil, parent: -1, children: [:])
        freeSlots.append(node)
    }

    private func commonPrefixLength(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Int {
        var n = 0
        var j = b.startIndex
        while n < a.count, j < b.endIndex, a[n] == b[j] {
            n += 1
            j += 1
        }
        return n
    }
}

extension PrefixTree: Sendable where Value: Sendable {}
extension PrefixTree.Node: Sendable where Value: Sendable {}
