import Foundation
import Testing
@testable import CreditModel

@Suite struct JSONValueTests {
    @Test func parsesEveryValueKind() throws {
        let text = #" {"s":"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","i":-42,"d":2.5e-1,"big":12345678901234567890,"#
            + #""t":true,"f":false,"n":null,"a":[1,[],{}],"u":"日本"} "#
        let value = try JSONValue.parse(Data(text.utf8))
        #expect(value == [
            "s": "a\"\\/\u{8}\u{c}\n\r\té😀", "i": -42, "d": 0.25, "big": .double(Double("12345678901234567890")!),
            "t": true, "f": false, "n": nil, "a": [1, [], [:]], "u": "日本",
        ])
    }

    @Test func agreesWithJSONDecoder() throws {
        let text = #"{"a":[1,2.5,"x",{"b":null,"c":[true,false]}],"e":-0}"#
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(try JSONValue.parse(Data(text.utf8)) == decoded)
    }

    @Test(arguments: ["", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "1.", "-", ".5", "1e", "tru",
                      "nul", "\"abc", "\"a\u{1}b\"", "\"\\x\"", "\"\\ud83d\"", "\"\\u12G4\"", "[1] [2]", "NaN",
                      "1e999", String(repeating: "[", count: 200) + String(repeating: "]", count: 200)])
    func refusesInvalidJSON(text: String) {
        #expect(throws: MessageError.self) { try JSONValue.parse(Data(text.utf8)) }
    }

    /// A case's measures and reasons: written and read as `JSONEncoder` and `JSONDecoder` do,
    /// in jsonb's spacing too, and anything but an array of strings is refused.
    @Test func stringListsAgreeWithFoundation() throws {
        let lists: [[String]] = [[], ["fine"], ["no-flights", "no-rail"], ["quote \" backslash \\ slash /", "tab\tnewline\n\u{1}"],
                                 ["é 日本 😀", ""]]
        for list in lists {
            let text = JSONStringList.text(list)
            #expect(try JSONDecoder().decode([String].self, from: Data(text.utf8)) == list, "\(text)")
            #expect(try JSONStringList.strings(text) == list)
            let foundation = String(decoding: try JSONEncoder().encode(list), as: UTF8.self)
            #expect(try JSONStringList.strings(foundation) == list, "\(foundation)")
        }
        #expect(try JSONStringList.strings(#"["a", "b\u00e9"]"#) == ["a", "bé"])  // as jsonb prints it
        for bad in ["", "{}", "\"a\"", "[1]", "[\"a\", null]", "[\"a\"", "[\"a\"] x"] {
            #expect(throws: MessageError.self, "\(bad)") { try JSONStringList.strings(bad) }
        }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: MessageError.self) { try JSONValue.parse(Data([0x22, 0xFF, 0xFE, 0x22])) }
    }

    /// A repeated key keeps its last value (as JSONDecoder does); an invalid byte after ASCII
    /// in a key or value is still refused.
    @Test func aRepeatedKeyKeepsItsLastValueAndBigObjectsKeepEveryMember() throws {
        #expect(try JSONValue.parse(Data(#"{"k":1,"x":"a","k":2}"#.utf8)) == ["k": 2, "x": "a"])
        let members = (0..<40).map { "\"key\($0)\":\($0)" }.joined(separator: ",")
        guard case .object(let object) = try JSONValue.parse(Data("{\(members)}".utf8)) else {
            Issue.record("not an object")
            return
        }
        #expect(object.count == 40)
        #expect(object["key39"] == 39)
        #expect(throws: MessageError.self) { try JSONValue.parse(Data([0x7B, 0x22, 0x61, 0xC3, 0x22, 0x3A, 0x31, 0x7D])) }
        #expect(throws: MessageError.self) { try JSONValue.parse(Data([0x22, 0x61, 0x62, 0x80, 0x22])) }
    }

    @Test func numbersAreCanonical() throws {
        #expect(try JSONValue.parse(Data("[2.0, 2e0, -0.0, 2.5, 1e19]".utf8)) == [.int(2), .int(2), .int(0), .double(2.5), .double(1e19)])
        let value: JSONValue = ["h": 2.0, "x": 0.5]
        let decoded = try MessageCoding.makeDecoder().decode(JSONValue.self, from: MessageCoding.encode(value))
        #expect(decoded == value && value["h"] == .int(2))
    }

    @Test func depth() {
        let value: JSONValue = ["a": ["b": [1, [2]]]]
        #expect(value.depth == 4)
        #expect(value.isDeeper(than: 3) && !value.isDeeper(than: 4))
        #expect(JSONValue.int(1).depth == 0 && JSONValue.object([:]).depth == 1)
    }

    @Test func accessors() {
        let value: JSONValue = ["n": 3, "x": 1.5, "s": "t"]
        #expect(value["n"]?.intValue == 3 && value["n"]?.doubleValue == 3 && value["x"]?.intValue == nil)
        #expect(value["s"]?.stringValue == "t" && value["missing"] == nil && value.objectValue?.count == 3)
        #expect(value.description == #"{"n":3,"s":"t","x":1.5}"#)
        let strings: JSONValue = ["a", "b"], mixed: JSONValue = ["a", 1], empty: JSONValue = []
        #expect(strings.stringsValue == ["a", "b"] && mixed.stringsValue == nil && empty.stringsValue == [])
        #expect(value.stringsValue == nil && value["s"]?.stringsValue == nil)
    }
}
