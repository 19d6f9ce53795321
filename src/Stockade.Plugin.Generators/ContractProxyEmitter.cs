using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis;

namespace Stockade.Plugin.Generators;

// Writes a contract's host proxy: each method calls IPluginInvoker with the wire name and the JSON metadata of its input
// and result, passing the caller's CancellationToken, so the host's timeouts, cancellation and typed exceptions apply.
internal static class ContractProxyEmitter
{
    private const string Invoker = "global::Stockade.Plugin.Generated.IPluginInvoker";
    private const string Element = "global::System.Text.Json.JsonElement";

    public static string Emit(ContractModel model, JsonMetadata json)
    {
        var contract = model.Contract;
        var ns = Generators.Emit.Namespace(contract);
        var contractType = Generators.Emit.Type(contract);
        var accessibility = contract.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";
        var code = new StringBuilder();
        code.Append(Generators.Emit.Header);
        if (ns is not null)
        {
            code.AppendLine($"namespace {ns}");
        }

        code.AppendLine("{");
        code.AppendLine($"    [global::Stockade.Plugin.Generated.PluginContractProxyAttribute(typeof({model.ProxyName}))]");
        code.AppendLine($"    partial interface {contract.Name}");
        code.AppendLine("    {");
        code.AppendLine("    }");
        code.AppendLine();
        code.AppendLine($"    /// <summary>");
        code.AppendLine($"    /// The host's typed proxy of <see cref=\"{contract.Name}\"/> (contract {Escape(model.Name)}, version {model.Version}), generated at build time:");
        code.AppendLine("    /// each call goes through the host's invoke path, with its timeout, cancellation and exceptions.");
        code.AppendLine("    /// </summary>");
        code.AppendLine("    " + Generators.Emit.GeneratedCode);
        code.AppendLine($"    {accessibility} sealed class {model.ProxyName} : {contractType}");
        code.AppendLine("    {");
        Generators.Emit.Options(code, json);
        var metadata = new List<TypeMetadata>();
        var needsElement = false;
        foreach (var served in model.Methods)
        {
            if (served.InputMetadata is { } input)
            {
                metadata.Add(input);
            }

            if (served.ResultMetadata is { } result)
            {
                metadata.Add(result);
            }

            needsElement |= served.InputIsElement || served.ResultIsElement || served.Result is null;
        }

        if (needsElement)
        {
            metadata.Add(new TypeMetadata(model.JsonElement, "JsonElementConverter"));
        }

        var infos = Generators.Emit.TypeInfos(code, metadata);
        code.AppendLine($"        private readonly {Invoker} _invoker;");
        code.AppendLine();
        code.AppendLine($"        /// <summary>Creates the proxy over <paramref name=\"invoker\"/> (one loaded plugin).</summary>");
        code.AppendLine($"        /// <param name=\"invoker\">The host's invoke path to the plugin.</param>");
        code.AppendLine($"        public {model.ProxyName}({Invoker} invoker)");
        code.AppendLine("        {");
        code.AppendLine("            _invoker = invoker ?? throw new global::System.ArgumentNullException(nameof(invoker));");
        code.AppendLine("        }");
        code.AppendLine();
        code.AppendLine($"        /// <summary>The contract's name, <c>{Escape(model.Name)}</c>.</summary>");
        code.AppendLine($"        public const string ContractName = {Generators.Emit.Literal(model.Name)};");
        code.AppendLine();
        code.AppendLine("        /// <summary>The contract version this proxy was built against.</summary>");
        code.AppendLine($"        public const int ContractVersion = {model.Version};");

        foreach (var served in model.Methods)
        {
            Method(code, served, contractType, infos);
        }

        code.AppendLine("    }");
        code.AppendLine("}");
        return code.ToString();
    }

    private static void Method(StringBuilder code, ServedMethod served, string contractType, Dictionary<string, string> infos)
    {
        var method = served.Method;
        var parameters = new List<string>();
        foreach (var parameter in method.Parameters)
        {
            parameters.Add($"{Generators.Emit.Declared(parameter.Type)} {Generators.Emit.Identifier(parameter.Name)}");
        }

        var token = served.Token is { } t ? Generators.Emit.Identifier(t.Name) : "global::System.Threading.CancellationToken.None";
        var wire = Generators.Emit.Literal(served.WireName);
        var resultType = served.Result is null ? Element : Generators.Emit.Type(served.Result);
        var resultInfo = infos[served.Result is null ? Element : Generators.Emit.Type(served.Result)];
        string invoke;
        if (served.Input is { } input)
        {
            var inputType = Generators.Emit.Type(input.Type);
            invoke = $"_invoker.InvokeAsync<{inputType}, {resultType}>({wire}, {Generators.Emit.Identifier(input.Name)}, {infos[inputType]}, {resultInfo}, {token})";
        }
        else
        {
            invoke = $"_invoker.InvokeAsync<{resultType}>({wire}, {resultInfo}, {token})";
        }

        code.AppendLine();
        code.AppendLine($"        async {Generators.Emit.Declared(method.ReturnType)} {contractType}.{Generators.Emit.Identifier(method.Name)}({string.Join(", ", parameters)})");
        code.AppendLine("        {");
        if (served.Result is null)
        {
            code.AppendLine($"            await {invoke}.ConfigureAwait(false);");
        }
        else
        {
            code.AppendLine($"            var result = await {invoke}.ConfigureAwait(false);");
            if (!served.Result.IsValueType && served.Result.NullableAnnotation == NullableAnnotation.NotAnnotated)
            {
                // A result the contract says is never null: a plugin that answers null is refused here, not passed on.
                code.AppendLine("            if (result is null)");
                code.AppendLine("            {");
                code.AppendLine($"                throw new global::System.InvalidOperationException(\"plugin '\" + _invoker.PluginId + \"' answered \" + {Generators.Emit.Literal($"'{served.WireName}' with no result, but the contract's result type {served.Result.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)} is not nullable; fix the plugin or make the contract's result nullable (and raise its version)")});");
                code.AppendLine("            }");
            }

            code.AppendLine("            return result!;");
        }

        code.AppendLine("        }");
    }

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
