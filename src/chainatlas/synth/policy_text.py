"""Body texts of the synthetic policies and their true tags (issue 16, policy linkage).

A policy backs the segments of its record (``segments``: 1–3 of its first chain) and, when it names two chains, the
second one as a whole. Its text says so the way local policies do — several sentences that name each backed segment
by two or three of its words (the taxonomy's name or an alias of ``data/policy/aliases.yaml``), each with an
incentive (补贴, 贷款贴息, 人才安家, 用地与厂房租金, 税收优惠, 产业基金, 首台套) — and names the second chain in two
sentences. About half of the policies also mention one or two *other* segments once, in passing (加强与……的衔接);
those are not tags of the policy. Generic sentences (组织保障, 从高不重复, 有效期) fill the rest and name nothing.

The true tags of a policy are therefore ``its segments + its second chain`` (``ic:design;ai``), written by
:func:`chainatlas.synth.generate.generate` to ``labels/policy_truth.csv`` (``chainatlas policy evaluate --truth``).
A tagger that counts every mention tags the passing ones too; that is the difference the labels measure.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["policy_texts", "segment_terms"]

#: (template, measure category): a backed segment's sentence, ``{a}`` and ``{b}`` two of its words
_SEGMENT_SENTENCES = (
    "重点支持{a}、{b}等关键环节发展，",
    "鼓励企业加大{a}领域投入，推动{b}项目加快建设，",
    "引育一批{a}骨干企业，提升{b}配套能力，",
    "围绕{a}和{b}布局一批重大项目，",
)
_SEGMENT_ONE = "重点支持{a}环节发展，"
#: a second sentence on the same segment, one more of its words
_SEGMENT_AGAIN = (
    "支持{a}企业开展关键核心技术攻关，",
    "对新落地的{a}项目实行专班服务，",
    "推动{a}领域产学研联合攻关，",
)
#: the incentives, by the measure category of data/policy/aliases.yaml they belong to
_MEASURES = {
    "subsidy": (
        "对符合条件的项目按设备投资额的{p}%给予补贴，最高不超过{m}万元。",
        "对企业技术改造贷款给予贷款贴息，贴息比例不超过{p}%。",
    ),
    "talent": ("对引进的高层次人才给予最高{m}万元安家补贴，并优先安排人才公寓。",),
    "land": ("优先保障项目用地，对租用标准厂房的企业给予三年租金减免。",),
    "tax": ("全面落实高新技术企业所得税等税收优惠政策。",),
    "fund": ("发挥产业基金引导作用，对重点项目给予股权投资支持。",),
    "procurement": ("支持产品申报首台套、首批次认定，纳入政府采购目录。",),
}
_CATEGORIES = tuple(_MEASURES)
#: the second chain, named twice
_SECOND_CHAIN = (
    "同时，统筹推进{c}产业协同发展，",
    "鼓励{c}领域重点企业与本地企业开展配套合作。",
)
#: another segment mentioned once, in passing
_PASSING = (
    "加强与{x}等相关领域的衔接。",
    "探索与{x}企业开展交流合作。",
    "关注{x}等领域的发展动态。",
)
#: sentences that name no segment, chain or incentive
_FILLER = (
    "坚持市场主导、政府引导，强化统筹协调。",
    "各有关部门要加强组织领导，明确责任分工，抓好政策落实。",
    "建立健全工作推进机制，定期评估政策实施效果。",
    "持续优化营商环境，提高政务服务效率。",
    "加强知识产权保护，完善成果转化机制。",
    "积极融入长三角一体化发展，深化区域协同。",
    "同一项目符合多项扶持政策的，按照从高不重复原则执行。",
    "建立重点项目清单，实行动态管理。",
    "加强统计监测，及时总结推广经验做法。",
)
_OPENING = "为加快推动{place}{c}产业高质量发展，结合本地实际，制定本政策。"
_CLOSING = "本政策自印发之日起施行，有效期三年。（合成数据，非真实文件）"


@functools.lru_cache(maxsize=1)
def segment_terms() -> dict[str, tuple[str, ...]]:
    """The words that name each segment (``ic:design`` → 芯片设计, 集成电路设计, IC设计, ...): the taxonomy's
    names and the aliases, as the tagger's dictionary holds them, less the words it lists under more than one
    segment or chain (手术机器人) and single Latin abbreviations of three letters or fewer (CPU, SiP)."""
    from chainatlas.analytics.policy import build_dictionary
    from chainatlas.model.layers import ALL
    from chainatlas.model.taxonomy import load_taxonomy

    terms = build_dictionary(load_taxonomy()).terms
    shared = terms.groupby("term")["segment"].transform("size") > 1
    seg = terms[(terms["segment"] != ALL) & ~shared]
    seg = seg[~seg["written"].str.fullmatch(r"[A-Za-z+\-]{1,3}")]
    out: dict[str, tuple[str, ...]] = {}
    for (c, s), part in seg.groupby(["chain", "segment"], sort=True):
        out[f"{c}:{s}"] = tuple(part["written"])
    return out


def policy_texts(
    rng: np.random.Generator,
    place: np.ndarray,
    chains: np.ndarray,
    segments: np.ndarray,
    chain_names: dict[str, str],
) -> tuple[np.ndarray, np.ndarray]:
    """Body texts and true tags of policies.

    Parameters
    ----------
    rng : numpy.random.Generator
        The policies' stream (drawn from after every other column of the policies).
    place : array of str
        The issuing place's name (上海市, 苏州市, 长三角).
    chains : array of str
        ``ic`` or ``ic;ai``: the first chain, and a second one named as a whole.
    segments : array of str
        ``ic:design;ic:fabrication``: the segments the policy backs.
    chain_names : dict
        Chain id → Chinese name.

    Returns
    -------
    (texts, labels) : arrays of str
        ``labels`` = the segments and the second chain, sorted, joined with ``;``.
    """
    vocab = segment_terms()
    every = sorted(vocab)
    n = len(place)
    texts = np.empty(n, dtype=object)
    labels = np.empty(n, dtype=object)
    for i in range(n):
        own = [s for s in str(segments[i]).split(";") if s]
        ids = [c for c in str(chains[i]).split(";") if c]
        second = ids[1] if len(ids) > 1 else None
        cats = rng.choice(len(_CATEGORIES), size=int(rng.integers(1, 4)), replace=False)
        out = [_OPENING.format(place=place[i], c=chain_names.get(ids[0], ids[0]))]
        for k, s in enumerate(own):
            words = vocab.get(s, ())
            if not words:
                continue
            pick = rng.permutation(len(words))[: min(3, len(words))]
            a, b = words[pick[0]], words[pick[-1] if len(pick) > 1 else pick[0]]
            cat = _CATEGORIES[cats[k % len(cats)]]
            tpl = _SEGMENT_SENTENCES[int(rng.integers(len(_SEGMENT_SENTENCES)))] if a != b else _SEGMENT_ONE
            out.append(tpl.format(a=a, b=b) + _measure(rng, cat))
            if len(pick) > 2 or rng.random() < 0.5:
                c = words[pick[1]] if len(pick) > 2 else a
                again = _SEGMENT_AGAIN[int(rng.integers(len(_SEGMENT_AGAIN)))].format(a=c)
                if rng.random() < 0.5:
                    out.append(again + _measure(rng, _CATEGORIES[cats[int(rng.integers(len(cats)))]]))
                else:
                    out.append(again[:-1] + "。")
        if second is not None:
            name = chain_names.get(second, second)
            out.append(_SECOND_CHAIN[0].format(c=name) + _SECOND_CHAIN[1].format(c=name))
        fill = rng.choice(len(_FILLER), size=int(rng.integers(2, 5)), replace=False)
        out += [_FILLER[j] for j in fill]
        if rng.random() < 0.5:
            others = [x for x in every if x not in own and (second is None or not x.startswith(second + ":"))]
            for j in rng.choice(len(others), size=int(rng.integers(1, 3)), replace=False):
                words = vocab[others[int(j)]]
                x = words[int(rng.integers(len(words)))]
                out.insert(
                    int(rng.integers(1, len(out))), _PASSING[int(rng.integers(len(_PASSING)))].format(x=x)
                )
        out.append(_CLOSING)
        texts[i] = "".join(out)
        labels[i] = ";".join(sorted({*own, *([second] if second else [])}))
    return texts, labels


def _measure(rng: np.random.Generator, category: str) -> str:
    options = _MEASURES[category]
    tpl = options[int(rng.integers(len(options)))]
    return tpl.format(p=int(rng.choice([10, 15, 20, 30])), m=int(rng.choice([50, 100, 200, 500, 1000])))
