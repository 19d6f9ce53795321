using Stockade.Cli.Rendering;

namespace Stockade.Cli.Tests;

public sealed class TerminalTextTests
{
    [Theory]
    [InlineData("\u001b[2J", "\\x1b[2J")]
    [InlineData("\u001b]52;c;aGk=\u0007", "\\x1b]52;c;aGk=\\x07")]
    [InlineData("a\u009b31mb", "a\\x9b31mb")]
    [InlineData("\u009d0;title\u009c", "\\x9d0;title\\x9c")]
    [InlineData("x\u007fy", "x\\x7fy")]
    [InlineData("\u202eexe.txt", "\\u202eexe.txt")]
    [InlineData("\u202a\u202b\u202c\u202d", "\\u202a\\u202b\\u202c\\u202d")]
    [InlineData("\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069")]
    [InlineData("\u200b\u200c\u200d\u200e\u200f", "\\u200b\\u200c\\u200d\\u200e\\u200f")]
    [InlineData("\ufeffBOM", "\\ufeffBOM")]
    [InlineData("line\u2028sep\u2029par", "line\\u2028sep\\u2029par")]
    [InlineData("a\nb\rc\td", "a\\nb\\rc\\td")]
    [InlineData("tag\U000E0041", "tag\\U000e0041")]
    public void Line_HostileCharacters_MadeVisible(string input, string expected) =>
        TerminalText.Line(input).ShouldBe(expected);

    [Theory]
    [InlineData("plain ascii: /srv/x [y] 'z'")]
    [InlineData("Grüße, 日本語, emoji \U0001F600, Ελληνικά")]
    [InlineData("C:\\path\\x1b is just text")]
    public void Line_PrintableText_Unchanged(string input) =>
        TerminalText.Line(input).ShouldBeSameAs(input);

    [Fact]
    public void Line_LoneSurrogates_MadeVisible()
    {
        // Built in code: an attribute argument cannot hold a lone surrogate (it is stored as UTF-8).
        TerminalText.Line(new string(['\ud800', 'x'])).ShouldBe("\\ud800x");
        TerminalText.Line(new string(['x', '\udc00'])).ShouldBe("x\\udc00");
        TerminalText.Line(new string(['\udc00', '\ud800'])).ShouldBe("\\udc00\\ud800");
    }

    [Fact]
    public void Block_KeepsNewlinesOnly() =>
        TerminalText.Block("one\ntwo\r\n\u001b[Athree").ShouldBe("one\ntwo\\r\n\\x1b[Athree");

    [Fact]
    public void Markup_EscapesSpectreMarkupAfterSanitising() =>
        TerminalText.Markup("[red]x[/]\u001b").ShouldBe("[[red]]x[[/]]\\x1b");

    [Fact]
    public void Line_VeryLong_CutAndCounted()
    {
        var text = new string('a', 10_000);
        var line = TerminalText.Line(text, 100);
        line.ShouldStartWith(new string('a', 100));
        line.ShouldEndWith("(9900 more characters)");
    }

    [Fact]
    public void TerminalWriter_SanitisesEverythingButNewlines_AlsoSplitSurrogatePairs()
    {
        var inner = new StringWriter();
        var writer = new TerminalWriter(inner);
        writer.Write("a\u001b[2J");
        writer.WriteLine("b\u202e");
        writer.Write("\ud83d");
        writer.Write("\ude00");
        writer.Write('\u0007');
        writer.Flush();
        inner.ToString().ShouldBe("a\\x1b[2Jb\\u202e\n\U0001F600\\x07");
    }

    [Theory]
    [InlineData("samples.notes", "samples.notes")]
    [InlineData("file:read=/srv/data/x.txt", "file:read=/srv/data/x.txt")]
    [InlineData("file:read=$CONFIG/notes/**", "'file:read=$CONFIG/notes/**'")]
    [InlineData("file:read=/tmp/a b; rm -rf ~", "'file:read=/tmp/a b; rm -rf ~'")]
    [InlineData("file:read=/tmp/it's", "'file:read=/tmp/it'\\''s'")]
    public void GrantAdvice_QuotesWhatAShellWouldRead(string argument, string expected) =>
        Stockade.Hosting.GrantAdvice.ShellArgument(argument).ShouldBe(expected);
}
