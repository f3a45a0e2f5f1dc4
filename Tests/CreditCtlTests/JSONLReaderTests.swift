import CreditCtlKit
import CreditModel
import Foundation
import Testing

@Suite struct JSONLReaderTests {
    @Test func readsObjectsAndNamesBadLinesByNumber() throws {
        let text = """
        {"event_id":"a","subject":"11010519491231002X"}

        not json
        [1,2]
        {"event_id":"b","attributes":{"n":52000}}\r
        {"event_id":"c"
        """
        let lines = JSONLReader.read(Data(text.utf8))
        #expect(lines.map(\.number) == [1, 3, 4, 5, 6])
        #expect(try lines[0].content.get()["event_id"] == .string("a"))
        #expect(try lines[3].content.get()["attributes"] == .object(["n": .int(52000)]))
        let errors = lines.compactMap { line -> JSONLReader.LineError? in
            if case .failure(let error) = line.content { return error } else { return nil }
        }
        #expect(errors.map(\.line) == [3, 4, 6])
        #expect(errors[0].description.hasPrefix("line 3: ") && errors[0].message.contains("not valid JSON"))
        #expect(errors[1].message.contains("not a JSON object"))
    }

    @Test func emptyInputAndTrailingNewlineHaveNoLines() {
        #expect(JSONLReader.read(Data()).isEmpty)
        #expect(JSONLReader.read(Data("{}\n\n  \n".utf8)).count == 1)
    }

    @Test func missingFileIsAnInputError() {
        #expect(throws: JSONLReader.InputError.self) { try JSONLReader.read(path: "/nonexistent/events.jsonl") }
    }

    @Test func routesByTheAgencyFieldOrTheDefaultAndStripsTheField() throws {
        let text = """
        {"agency":"court","event_id":"1","subject":"11010519491231002X"}
        {"event_id":"2","subject":"110101199003074514"}
        {"agency":"Court!","event_id":"3"}
        {"agency":7,"event_id":"4"}
        oops
        """
        let (events, errors) = RoutedEvent.route(JSONLReader.read(Data(text.utf8)), defaultAgency: nil)
        #expect(events.map(\.line) == [1])
        #expect(events[0].agency == "court" && events[0].subject == "11010519491231002X" && events[0].eventID == "1")
        #expect(events[0].event["agency"] == nil)
        #expect(!String(decoding: try events[0].payload(), as: UTF8.self).contains("agency"))
        #expect(errors.map(\.line) == [2, 3, 4, 5])
        #expect(errors[0].message.contains("--agency"))

        let (withDefault, conflicts) = RoutedEvent.route(JSONLReader.read(Data(text.utf8)), defaultAgency: "pboc")
        #expect(withDefault.map(\.line) == [2])
        #expect(withDefault[0].agency == "pboc")
        #expect(conflicts.first?.line == 1 && conflicts.first?.message.contains("--agency is 'pboc'") == true)
    }

    @Test func batchesKeepOneAgencyAndInputOrder() {
        func event(_ line: Int, _ agency: String) -> RoutedEvent {
            RoutedEvent(line: line, agency: agency, eventID: nil, subject: nil, event: [:])
        }
        let events = [event(1, "court"), event(2, "pboc"), event(3, "court"), event(4, "court"), event(5, "pboc")]
        let batches = EventBatches.make(events, size: 2)
        #expect(batches.map { $0.map(\.line) } == [[1, 3], [4], [2, 5]])
        #expect(batches.allSatisfy { Set($0.map(\.agency)).count == 1 })
    }
}
