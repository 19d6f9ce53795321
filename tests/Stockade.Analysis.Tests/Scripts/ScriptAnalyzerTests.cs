using Stockade.Analysis.Scripts;

namespace Stockade.Analysis.Tests.Scripts;

public class ScriptAnalyzerTests
{
    [Theory]
    [InlineData("main.py", "import subprocess", "STK1001", "subprocess:execute")]
    [InlineData("main.py", "os.system('ls')", "STK1001", "subprocess:execute")]
    [InlineData("main.py", "result = eval(text)", "STK1002", null)]
    [InlineData("main.py", "mod = __import__(name)", "STK1003", null)]
    [InlineData("main.py", "shutil.rmtree(path)", "STK1004", "file:delete")]
    [InlineData("main.py", "import socket", "STK1005", "network:request")]
    [InlineData("main.py", "from urllib.request import urlopen", "STK1006", "network:request")]
    [InlineData("main.py", "import requests", "STK1006", "network:request")]
    [InlineData("run.sh", "eval \"$CMD\"", "STK1002", null)]
    [InlineData("run.sh", "rm -rf \"$DIR\"", "STK1004", "file:delete")]
    [InlineData("run.sh", "exec 3<>/dev/tcp/example.com/80", "STK1005", "network:request")]
    [InlineData("run.sh", "curl https://example.com", "STK1006", "network:request")]
    public void AnalyzeDirectory_PatternOnLine_ReportsRuleWithFileAndLine(string file, string line, string ruleId, string? permission)
    {
        using var dir = new TempDirectory();
        dir.Write(file, "# a comment mentioning eval( and rm -rf is ignored\n" + line + "\n");

        var finding = ScriptAnalyzer.AnalyzeDirectory(dir.Path).Findings.Where(f => f.RuleId == ruleId).ShouldHaveSingleItem();

        finding.Assembly.ShouldBe(file);
        finding.Line.ShouldBe(2);
        finding.RequiredPermission.ShouldBe(permission);
        finding.Message.ShouldStartWith($"{file}:2: ");
    }

    [Fact]
    public void AnalyzeDirectory_HarmlessScripts_NoFinding()
    {
        using var dir = new TempDirectory();
        dir.Write("main.py", "import json\nimport sys\n\ndef evaluate(x):\n    return json.dumps({'v': x})\n");
        dir.Write("run.sh", "#!/bin/sh\nset -eu\necho hello\n");
        dir.Write("notes.txt", "rm -rf / is not a script");

        var report = ScriptAnalyzer.AnalyzeDirectory(dir.Path);

        report.Findings.ShouldBeEmpty();
        report.AnalyzedFiles.ShouldBe(["main.py", "run.sh"]);
    }

    [Fact]
    public void AnalyzeFile_Missing_IsSkippedNotThrown()
    {
        ScriptAnalyzer.AnalyzeFile("/nonexistent/main.py").SkippedFiles.ShouldHaveSingleItem();
    }
}
