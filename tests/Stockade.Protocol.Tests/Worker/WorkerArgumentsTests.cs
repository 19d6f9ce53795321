using Stockade.Worker;

namespace Stockade.Protocol.Tests;

public sealed class WorkerArgumentsTests
{
    [Fact]
    public void Parse_AllOptions_ReadsEach()
    {
        var parsed = WorkerArguments.Parse(["--plugin-dir", "/p", "--entry", "bin/X.dll", "--type", "A.B", "--seccomp", "--allow-exec"]);

        parsed.Error.ShouldBeNull();
        parsed.PluginDirectory.ShouldBe("/p");
        parsed.Entry.ShouldBe("bin/X.dll");
        parsed.TypeName.ShouldBe("A.B");
        parsed.Seccomp.ShouldBeTrue();
        parsed.AllowExec.ShouldBeTrue();
    }

    [Theory]
    [InlineData(new[] { "--entry", "x.dll" }, "--plugin-dir and --entry are required")]
    [InlineData(new[] { "--plugin-dir", "/p", "--entry" }, "--plugin-dir and --entry are required")]
    [InlineData(new[] { "--plugin-dir", "/p", "--entry", "x.dll", "--type" }, "--type, when given, needs one")]
    [InlineData(new[] { "--plugin-dir", "/p", "--entry", "x.dll", "--verbose" }, "unknown argument '--verbose'")]
    public void Parse_BadArguments_ReturnsErrorInsteadOfThrowing(string[] args, string expected)
    {
        WorkerArguments.Parse(args).Error.ShouldNotBeNull().ShouldContain(expected);
    }
}
