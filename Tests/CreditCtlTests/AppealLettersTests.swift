import CreditCtlKit
import Testing

@Suite struct AppealLettersTests {
    let rule = String(repeating: "=", count: 72)

    func notice(case id: String, code: String) -> String {
        """
        NOTICE OF A PROPOSED SANCTION

        To: 11010519491231002X
        Case: \(id)

        How to appeal: send an appeal for case \(id) quoting the appeal code
        \(code) (POST /v1/cases/\(id)/appeal on the sanctions service), and say why
        """
    }

    @Test func findsTheNoticeOfACaseAndItsCode() throws {
        let mailbox = [rule, "REWARD\nCase: r-1", rule, notice(case: "c-1", code: "K7Q2M-XW9PA"), rule,
                       notice(case: "c-2", code: "ABCDE-23456"), ""].joined(separator: "\n")
        let letters = AppealLetters.letters(in: mailbox)
        #expect(letters.count == 3)
        let letter = try #require(AppealLetters.notice(for: "c-2", in: letters))
        #expect(AppealLetters.appealCode(in: letter) == "ABCDE-23456")
        #expect(AppealLetters.notice(for: "r-1", in: letters) == nil)
        #expect(AppealLetters.notice(for: "c-3", in: letters) == nil)
    }

    @Test func takesTheFirstWellFormedCodeIgnoringPunctuation() {
        let letter = "the appeal code is in this letter.\n- ... with your appeal code 3GRR2-QXG9Y. Without an appeal"
        #expect(AppealLetters.appealCode(in: letter) == "3GRR2-QXG9Y")
    }

    @Test func rejectsWhatIsNotACode() {
        #expect(AppealLetters.appealCode(in: "quoting the appeal code\nabcde-12345 (POST") == nil)
        #expect(AppealLetters.appealCode(in: "quoting the appeal code ABCD-12345") == nil)
        #expect(AppealLetters.appealCode(in: "no code here") == nil)
    }
}
