using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Stockade.Analysis.Rules;

namespace Stockade.Analysis.Metadata;

/// <summary>
/// Walks every method body of an assembly, decodes the IL opcodes and hands each call-like instruction,
/// resolved to names, to the rules. The assembly is only read, never loaded.
/// </summary>
internal static class IlScanner
{
    // BindingFlags.NonPublic together with Instance or Static: the shape of a constant that asks reflection
    // for private members. Values beyond the defined flags are not BindingFlags.
    private const int NonPublic = (int)BindingFlags.NonPublic;
    private const int InstanceOrStatic = (int)(BindingFlags.Instance | BindingFlags.Static);
    private const int AllBindingFlags = 0x3FFFFFF;

    public static void Scan(PEReader peReader, AssemblyScan scan, IReadOnlyList<IAnalysisRule> rules)
    {
        var reader = scan.Reader;
        var targets = new Dictionary<int, MethodTarget>();
        foreach (var typeHandle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(typeHandle);
            string? typeName = null;
            foreach (var methodHandle in type.GetMethods())
            {
                var method = reader.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0)
                {
                    continue;
                }

                typeName ??= MetadataNames.GetTypeName(reader, typeHandle);
                var body = peReader.GetMethodBody(method.RelativeVirtualAddress);
                ScanBody(scan, rules, targets, body.GetILReader(), typeName, reader.GetString(method.Name));
            }
        }
    }

    private static void ScanBody(
        AssemblyScan scan,
        IReadOnlyList<IAnalysisRule> rules,
        Dictionary<int, MethodTarget> targets,
        BlobReader il,
        string callerType,
        string callerMethod)
    {
        var reader = scan.Reader;
        var nonPublicLoaded = false;
        while (il.RemainingBytes > 0)
        {
            var offset = il.Offset;
            var opCode = ReadOpCode(ref il);
            switch (opCode)
            {
                case ILOpCode.Ldc_i4_s:
                    nonPublicLoaded |= LooksLikeNonPublicFlags(il.ReadSByte());
                    break;
                case ILOpCode.Ldc_i4:
                    nonPublicLoaded |= LooksLikeNonPublicFlags(il.ReadInt32());
                    break;
                case ILOpCode.Call or ILOpCode.Callvirt or ILOpCode.Newobj or ILOpCode.Ldftn or ILOpCode.Ldvirtftn:
                    {
                        var target = Resolve(reader, targets, il.ReadInt32());
                        var site = new CallSite(reader, opCode, target, callerType, callerMethod, offset, nonPublicLoaded);
                        foreach (var rule in rules)
                        {
                            rule.VisitCall(scan, site);
                        }

                        if (target.TypeName is "System.Type" or "System.Reflection.TypeInfo")
                        {
                            nonPublicLoaded = false;
                        }

                        break;
                    }

                case ILOpCode.Calli:
                    {
                        il.ReadInt32();
                        var site = new CallSite(reader, opCode, MethodTarget.Unknown, callerType, callerMethod, offset, nonPublicLoaded);
                        foreach (var rule in rules)
                        {
                            rule.VisitCall(scan, site);
                        }

                        break;
                    }

                case ILOpCode.Switch:
                    {
                        var count = il.ReadInt32();
                        il.Offset += checked(count * 4);
                        break;
                    }

                default:
                    il.Offset += OperandSize(opCode);
                    break;
            }
        }
    }

    private static bool LooksLikeNonPublicFlags(int value) =>
        value is > 0 and <= AllBindingFlags && (value & NonPublic) != 0 && (value & InstanceOrStatic) != 0;

    private static ILOpCode ReadOpCode(ref BlobReader il)
    {
        var first = il.ReadByte();
        return first == 0xFE ? (ILOpCode)(0xFE00 | il.ReadByte()) : (ILOpCode)first;
    }

    private static MethodTarget Resolve(MetadataReader reader, Dictionary<int, MethodTarget> cache, int token)
    {
        if (cache.TryGetValue(token, out var known))
        {
            return known;
        }

        var resolved = ResolveUncached(reader, MetadataTokens.EntityHandle(token));
        cache[token] = resolved;
        return resolved;
    }

    private static MethodTarget ResolveUncached(MetadataReader reader, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.MethodDefinition:
                {
                    var method = reader.GetMethodDefinition((MethodDefinitionHandle)handle);
                    return new MethodTarget(
                        MetadataNames.GetTypeName(reader, method.GetDeclaringType()),
                        reader.GetString(method.Name),
                        (method.Attributes & MethodAttributes.PinvokeImpl) != 0,
                        method.Signature);
                }

            case HandleKind.MemberReference:
                {
                    var member = reader.GetMemberReference((MemberReferenceHandle)handle);
                    var parent = member.Parent.Kind == HandleKind.MethodDefinition
                        ? MetadataNames.GetTypeName(reader, reader.GetMethodDefinition((MethodDefinitionHandle)member.Parent).GetDeclaringType())
                        : MetadataNames.GetTypeName(reader, member.Parent);
                    return new MethodTarget(parent, reader.GetString(member.Name), false, member.Signature);
                }

            case HandleKind.MethodSpecification:
                return ResolveUncached(reader, reader.GetMethodSpecification((MethodSpecificationHandle)handle).Method);

            default:
                return MethodTarget.Unknown;
        }
    }

    private static int OperandSize(ILOpCode opCode) => opCode switch
    {
        ILOpCode.Ldarg_s or ILOpCode.Ldarga_s or ILOpCode.Starg_s or ILOpCode.Ldloc_s or ILOpCode.Ldloca_s
            or ILOpCode.Stloc_s or ILOpCode.Unaligned
            or ILOpCode.Br_s or ILOpCode.Brfalse_s or ILOpCode.Brtrue_s or ILOpCode.Beq_s or ILOpCode.Bge_s
            or ILOpCode.Bgt_s or ILOpCode.Ble_s or ILOpCode.Blt_s or ILOpCode.Bne_un_s or ILOpCode.Bge_un_s
            or ILOpCode.Bgt_un_s or ILOpCode.Ble_un_s or ILOpCode.Blt_un_s or ILOpCode.Leave_s => 1,
        ILOpCode.Ldarg or ILOpCode.Ldarga or ILOpCode.Starg or ILOpCode.Ldloc or ILOpCode.Ldloca or ILOpCode.Stloc => 2,
        ILOpCode.Ldc_i8 or ILOpCode.Ldc_r8 => 8,
        ILOpCode.Ldc_r4 or ILOpCode.Jmp or ILOpCode.Br or ILOpCode.Brfalse or ILOpCode.Brtrue or ILOpCode.Beq
            or ILOpCode.Bge or ILOpCode.Bgt or ILOpCode.Ble or ILOpCode.Blt or ILOpCode.Bne_un or ILOpCode.Bge_un
            or ILOpCode.Bgt_un or ILOpCode.Ble_un or ILOpCode.Blt_un or ILOpCode.Leave
            or ILOpCode.Cpobj or ILOpCode.Ldobj or ILOpCode.Ldstr or ILOpCode.Castclass or ILOpCode.Isinst
            or ILOpCode.Unbox or ILOpCode.Ldfld or ILOpCode.Ldflda or ILOpCode.Stfld or ILOpCode.Ldsfld
            or ILOpCode.Ldsflda or ILOpCode.Stsfld or ILOpCode.Stobj or ILOpCode.Box or ILOpCode.Newarr
            or ILOpCode.Ldelema or ILOpCode.Ldelem or ILOpCode.Stelem or ILOpCode.Unbox_any
            or ILOpCode.Refanyval or ILOpCode.Mkrefany or ILOpCode.Ldtoken or ILOpCode.Initobj
            or ILOpCode.Constrained or ILOpCode.Sizeof => 4,
        _ => 0,
    };
}
