"""FineWeb-2's word splitting per language: the words of datatrove 0.10.1's `load_word_tokenizer(name).word_tokenize`.

FineWeb-2's filters (Gopher repetition and quality, FineWeb quality) count words with the tokenizer that
datatrove's `tokenizer_assignment.csv` assigns to each language ("deu_Latn"); its recipe skips the C4 filter, the
only one that splits sentences. `word_tokenizer(name).words(text)` returns datatrove's list, stripped and without
empty tokens:

- spaCy's rule-based blank tokenizers (most languages; "xx" also for datatrove's WhitespaceTokenizer), memoised per
  whitespace run with the same tokens (`filters.spacy_runs`).
- spaCy's zh (jieba), ja (SudachiPy, split mode A, datatrove's 40,000-byte chunks) and vi (pyvi) tokenizers: the
  segmenter is called without building a spaCy Doc. A word "IS_ALPHA" makes spaCy fail inside datatrove's memory
  zone, and datatrove then retokenizes the text without that string; so does this module.
- Kiwi (ko, model "sbg"), PyThaiNLP (th, "newmm-safe"), Indic NLP's trivial tokenizer: the library call itself.
- khmer-nltk's and pyidaungsu's CRF segmenters (Khmer, Burmese script) in python-crfsuite (`filters.crf_segmenters`).
- LaoNLP's dictionary segmenter (Lao script).

Languages whose datatrove tokenizer downloads models at run time (Stanza, Tibetan's botok), and names datatrove
does not know (it raises), fall back to spaCy "xx", datatrove's own fallback, with `exact = False`. The libraries
are optional, imported when a tokenizer is first built, and download nothing. `_ASSIGNMENT` is datatrove's
`src/datatrove/assets/tokenizer_assignment.csv` (0.10.1, Apache-2.0) for the families here: "@family:code:Script",
then the ISO 639-3 codes it covers.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from filters.crf_segmenters import BurmeseSegmenter, KhmerSegmenter, pieces
from filters.spacy_runs import BROKEN, SpacyRuns, import_spacy, strip_tokens

_ASSIGNMENT = """
@indic:as:Beng asm @indic:bn:Beng ben bpy syl @indic:gu:Gujr guj @indic:hi:Deva anp bho brx ghe hin kle lif mag mai
new rav rjs sck suz taj thl xsr @indic:kK:Deva gom kex @indic:kn:Knda kan tcy @indic:ml:Mlym mal @indic:mr:Deva kas
mar snd @indic:ne:Deva awa dty hne mup nep npi @indic:or:Orya ori ory @indic:pa:Guru pan @indic:sa:Deva san
@indic:si:Sinh sin @indic:ta:Taml tam @indic:te:Telu kff tel wsg @indic:ur:Arab bcc ckb glk hac kas kur lki lrc mzn
pbt pnb pus sdh skr snd urd @khmer::Khmr cmo khm @burmese::Mymr blk ksw kyu mnw mya shn @lao::Laoo lao ncq
@kiwi::Hang kor @spacy:af:Latn afr @spacy:am:Ethi amh sgw @spacy:ar:Arab acm aeb ajp apc
ara arb arq ars ary arz ayp shu @spacy:az:Latn aym azj @spacy:bg:Cyrl bul @spacy:ca:Latn cat @spacy:cs:Latn ces
@spacy:da:Latn dan @spacy:de:Latn bar deu gsw hrx swg @spacy:dsb:Latn dsb @spacy:el:Grek ell pnt @spacy:en:Latn eng
frr fry sco stq @spacy:es:Latn arg ast cos ext lad mwl oci sdc spa srd @spacy:et:Latn ekk est vro @spacy:eu:Latn eus
@spacy:fa:Arab azb fas @spacy:fi:Latn fin fit fkv krl liv lud olo vep vot @spacy:fo:Latn fao @spacy:fr:Latn fra frp
fur lld nrf nrm pcd roh wln @spacy:ga:Latn gle @spacy:grc:Grek grc @spacy:he:Hebr heb @spacy:hr:Latn hrv
@spacy:hsb:Latn hsb @spacy:hu:Latn hun @spacy:hy:Armn hye @spacy:id:Latn ind @spacy:is:Latn isl @spacy:it:Latn ita
nap scn @spacy:ja:Jpan jpn @spacy:ky:Cyrl kir @spacy:la:Latn lat @spacy:lb:Latn ksh ltz pdc pfl @spacy:lg:Latn cgg
guz gwr hav hay kin koo kuj lsm lug lwg myx nnb nuj nyn nyo rub run shr sxb tlj ttj xog @spacy:lij:Latn lij lmo pms
vec @spacy:lt:Latn lit @spacy:lv:Latn lav ltg lvs prg sgs @spacy:mk:Cyrl mkd @spacy:ms:Latn aai aaz abs abx ace adz
agn agt agw aia aji akb alj alp amk aoz apb apr atq att aui ban bbc bch bdd bew bgt bgz bhp bhw bhz bjn bjp blw blz
bmk bnp bpr bps btd bth bts btx bug buk bvc bvd bwd bxh bzh cha chk dad dgc dhv dob drg dtb dtp duo dww ebk emi far
fij frd fud gdg gfk gil haw heg hla hot hvn iba ibg ifa ifb ifk ifu ify ilo iry isd itv ivb ivv jae jav jra jvn kak
kbm kei khz kij kje klv kmd kmk kne knx kos kpg kqf kqw ksc ksd ktm kud kwd kwf kzf law lbb lbk lcm leu lew lex lgl
lid ljp llg lnd loe lww mad mah mak max mbf mbh mee mek met meu mgm mhy min mkn mlg mlu mmo mmx mna mnb mox mpx mqj
mqy mri mrq mrv msa mui mva mvn mvp mwc mwv myw mzz nak nfa nho nia nij niu nlg nmw npy nrm_narom nsn nss ntu nwi
omb otd pag pam pau plt pma pmf pne pon ppk prf pri pse pss ptp ptu pwg rad rai rap rar rej rgu row rro rtm rug sas
sbe sbl sda sdo sdq sgb sgz skg smk sml smo snc sps ssg stn sun swp sxn tah tbc tbk tbl tbo tdx tet tgo tgp tih tiy
tkl tnk tnn tnp ton tpa tpz tte tuc tvk tvl twu txq ubr upv uvl viv wat wed wew whk wls wuv xbr xmm xmv xnn xsb xsi
yap yka yml zsm @spacy:nb:Latn nno nob nor @spacy:nl:Latn gos lim nds nld pdt vls zea @spacy:pl:Latn csb pol szl
@spacy:pt:Latn por @spacy:ro:Latn ron rup @spacy:ru:Cyrl rue rus @spacy:sk:Latn slk @spacy:sl:Latn slv
@spacy:sq:Latn aln als san sqi @spacy:sr:Cyrl srp @spacy:sr:Latn bos ckm cnr hbs srp @spacy:sv:Latn swe
@spacy:ti:Ethi tig tir @spacy:tl:Latn atd bcl bgs bkd bku bnj bno ceb cgc clu due fil gor hil hnn kqe krj mbb mbd
mbi mbs mbt mmn mog mrw msb msk msm mta obo plw suc syb tbw tsg twb war @spacy:tn:Latn aba abi abn acd ada ade adj
aha ajg akp ald ann anv any asg atg ati avn bas bav bba bbj bbk bci bem beq bfd bfo bim bin biv bkv blh bmq bmv bom
bov box bsq bss btt bud bum bwu byv cce chw cjk cko cme cwe dag dga dgi dhm dig diu dop dos dow dts dua dug dur dyi
efi eka eko eto etu ewe ewo eza fal fan fon gaa gbo gbr gej gjn gkn gna gng gog gso gud gur guw gux gya hag heh her
ibo idu ige ikk ikw ilb iqw iri ish iso izr izz jbu jmc kam kbp kcg kck kdc kde kdh kdl kdp ken kez khy kia kik kki
kkj kma kmb kmy kng kny kon kqn kqo ksb ksf ktj kua kub kus kwn kwy kyf kzn lai lam las ldi lea lee lef leh lem lgm
lin lip llb lmp lob lol loq loz lua lub lue lun maw mck mcp mcu mda mer mfq mgh mgo mgr mhw mnf mny mos mua muh mwn
myk mzk mzm mzw naw nba nbl ncu ndc nde ndh ndi ndj ndo ndz nfr ngb ngc ngl ngp nhu nim nin nko nla nmz nnh nnq nnw
nse nso ntr nwb nxd nya nyf nyk nyu nyy nza nzi ogo oke oku old ozm pem pfe phm pkb pny poy rim rnd rng ruf sbs sby
seh sfw sig sil sld sna snw soe sop sot soy spp ssw suk swa swb swc swh swk tap tbz ted thk tik tiv tke tll tog toh
toi tpm tsc tsn tso tsw tui tul tum twx umb urh uth vag ven vid vmk vmw vun vut wib wlx wmw wob wwa xho xon xrb xsm
xuo yam yao yas yat yaz ybb yom zdj ziw zne zul @spacy:tr:Latn crh gag tuk tur @spacy:tt:Cyrl bak tat @spacy:uk:Cyrl
ukr @spacy:vi:Latn bdq bru caq cmo kha vie wbm @spacy:xx:Arab ace aze bal bjn brh ful fuv kau knc lah min msa ota
sus tuk zsm @spacy:xx:Beng grt mni @spacy:xx:Cans cre crj crk crl crm cwd ike iku ojb oji @spacy:xx:Cher chr
@spacy:xx:Cyrl abk abq ady agx alt ava aze azj bua che chm chv cjs ckt crh dar dng eve gag hbs inh itl kap kbd kca
kjh kmr koi kom kpv kur lbe lez lfn mhr mns mrj nio orv oss rmn rmy rom ron sah sel sgh tab tgk tkr tuk tyv udm uig
und uzb uzn yrk @spacy:xx:Deva doi fmu kok kru nwx raj @spacy:xx:Ethi gmv gof guk kqy ktb kxc mdy wal @spacy:xx:Geor
kat xmf @spacy:xx:Goth got @spacy:xx:Grek rmn rom @spacy:xx:Hebr lad ydd yid @spacy:xx:Kali kyu @spacy:xx:Latn aak
aau abt aby abz aca acf ach acn acr acu adh adi adl aer aeu aey agd agg agm agr agu ahk aim ain ajz aka ake akh alq
aly alz ame amf ami amm amn amp amr amu amx ang anm aoi aoj aom ape apn apt apu apw apy apz aqz ara are arl arn arp
arr aso ata atb atj auc auy avk avt avu awb awi awx ayo ayr aze azg azz bam bao bbb bbo bbr bco bcw bdh bea bef bex
bgr bhg bhl bib big bik biu bjr bjv bkl bkq bla blt bmh bmr bmu bnc boa boj bon bor bqc bqp brx bsn bus bvr bvz bwi
bwq byr byx bzd caa cab cac caf cag cak cao cap car cas cav cax cbc cbi cbk cbr cbs cbt cbu cbv cco cdf ceg cek cfm
chd chf chj cho chq chr chz cjo cjp cjv cle cly cmr cnh cni cnk cnl cnt cnw coe cof cok con cot cpa cpb cpc cpu cpy
cre cri crk crn crs crt crx cso csw csy cta ctd cto ctp ctu cub cuc cui cuk cul cut cux cya czt daa daf dah dak dbq
ddg ddn ded des dgr dgz dhg did dik din dip dis dje djr dks dln dnj dnw dru dsh dwr dyu eme eml emp enb enl enm enq
enx epo eri ese esi esk ess esu etr faa fad fai fat for fro gah gai gam gaw gaz gba gbi gcf gcr gde gdn gdr geb ghs
gid giz gmh gmv gnb gnd gnn gnw goa gof goh got gqr grb grn gub guc gug guh gui gum gun guo guq guu gvc gvf gvl gvn
gwi gym gyr hae hak hat hau hch hig hix hlt hmn hmo hmr hnj hoc hop hra hto hub hui hus huu huv ian ido ign ikt iku
ile imo ina inb ino iou ipi ipk irk ium iws ixl jaa jac jbo jic jiv kaa kab kac kal kan kao kaq kau kbc kbh kbo kbq
kbr kby kdi kdj kdr kea kek keo ker kew kgf kgk kgp kgr khq khs kix kjb kjs kkc kkl kln klt kmg kmh kmm kmo kms kmu
knc knj knk kno knv kog kok kpe kpf kpj kpq kpr kpw kpx kpz kqa kqc kql kqp ksj ksp ksr kto ktu ktz kue kup kur kvg
kvj kvn kwi kwj kxw kyc kyg kyq kyu kyz kze kzj lac laj lap ldn led lfn lgg lhi lhu lln lmk log lok lom lsi luc luo
lus luy lwo maa maf maj mal mam man maq mas mau mav maz mbc mbj mbl mca mcb mcd mcf mcn mco mcq med mej men meq mev
mfe mfg mfh mfi mfk mfy mfz mgc mhi mhl mhx mib mic mie mif mig mih mil mim mio mip miq mir mit miy miz mjc mjw mks
mkz mlh mlp mni mnk mnx moa moc moh mop mor mpg mph mpm mpp mps mpt mqb mrg msc mse msy mtg mti mtj mto mtp mug mur
mus mux muy mwf mwm mwp mwq mww mxb mxp mxq mxt mxv myb myu myy mza mzh mzl nab naf nah nan naq nas nav nbc nbe nbq
nbu nca nch ncj ncl nct ncx ndp ndy neb ngu nhd nhe nhg nhi nhk nhr nhw nhx nhy nif nii niq niy njb njm njn njo njz
nkf nki nlc nma nmf nmh nmo nng nnl nnp noa non nop not nou nov nph npl npo nre nri nsa nsm nst nsu ntp nus nuy nuz
nvm nzm ojb oji okv omw ong ons ood opm orm ote otm otn oto otq ots otw oym pab pad pah pao pap pbb pbc pbi pck pib
pio pir pjt plg pls plu pmq pmx poe poh poi pos pot pov ppo pps prq pua pui pwn pxm qub quc que quf qug quh qul qup
qus quw quy quz qva qvc qve qvh qvi qvm qvn qvo qvs qvw qvz qwh qxh qxl qxn qxo qxr raw rcf rel ria rkb rme rmq rnl
rom roo rwo sab sag saj sat say sba sbd ses sey sgc shi shk shp sid sim sja sll smt snn snp sny som soq spl spm spy
sri srq ssd ssx stp sua sue sur sus szb szy tac tam taq tar tat tav taw tay tbg tby tca tcc tcf tcz tdt tee tel teo
ter tew tfr thv tif tim tku tlb tlf tlh tmc tmd tmh tna tnc tob toc tod toj tok too top tos tpn tpp tpt tpw tqo trc
trn tro trp trq trs trv tsz ttc ttq tue tuf tuo tuv twi txu tzh tzj tzl tzo ubu udu uig ura urb uri urt urw ury usa
usp uvh uzb uzn vap var vmy vol waj wal wap way wba wbp wer whg wim wiu wlv wmt wnc wnu wos wrk wrs wsk xav xbi xed
xla xsu xtd xtm xtn xum yaa yad yal yan yaq yby ycn yim yle yli yon yrb yre yrl yss yua yuj yup yut yuw yuz yva zaa
zab zac zad zae zai zam zao zap zar zas zat zav zaw zca zha zho zia zoc zom zos zpa zpc zpg zpi zpj zpl zpm zpo zpq
zpt zpu zpv zpz zsr ztq zty zyb zyp zza @spacy:xx:Limb lif @spacy:xx:Lisu lis @spacy:xx:Mong sjo @spacy:xx:Mtei mni
@spacy:xx:Nkoo nqo @spacy:xx:Olck sat @spacy:xx:Orya jun @spacy:xx:Syrc aii syc syr @spacy:xx:Telu gon
@spacy:xx:Tfng taq tmh ttq tzm zgh @spacy:xx:Thaa div @spacy:xx:Wara hoc @spacy:yo:Latn ife mkl yor @spacy:zh:Hani
cmn hak nan wuu yue zho @thai::Thai bzi kxm lcp msa nod pww tha urk
"""

FALLBACK = "xx"
"""spaCy language of the fallback tokenizer (datatrove's WhitespaceTokenizer splits words with it too)."""

_JA_CHUNK_BYTES = 40_000  # datatrove feeds Japanese to Sudachi in chunks of at most this many UTF-8 bytes


@lru_cache(maxsize=1)
def assignment() -> dict[str, tuple[str, str]]:
    """FineWeb-2 name ("deu_Latn") -> (tokenizer family, language code passed to it)."""
    table: dict[str, tuple[str, str]] = {}
    family = code = script = ""
    for item in _ASSIGNMENT.split():
        if item.startswith("@"):
            family, code, script = item[1:].split(":")
        else:
            table.setdefault(f"{item}_{script}", (family, code))
    return table


class WordTokenizer:
    """Splits text into words the way datatrove does for one tokenizer family and language code."""

    exact = True  # False where this stands in for a tokenizer datatrove would use but this module cannot

    def __init__(self, family: str, code: str) -> None:
        self.family = family
        self.code = code

    def words(self, text: str) -> list[str]:
        raise NotImplementedError

    def __reduce__(self):
        return (_build, (self.family, self.code, self.exact))

    def __repr__(self) -> str:
        return f"<WordTokenizer {self.family}:{self.code}{'' if self.exact else ' (fallback)'}>"


class _SpacyFamily(WordTokenizer):
    """A datatrove SpaCyTokenizer: words of each chunk, retried without "IS_ALPHA" when spaCy would have failed."""

    def words(self, text: str) -> list[str]:
        chunks = self._chunks(text)
        words = self._words(chunks)
        if BROKEN in text and BROKEN in words:
            words = self._words([chunk.replace(BROKEN, "") for chunk in chunks])
        return words

    def _chunks(self, text: str) -> list[str]:
        return [text]

    def _words(self, chunks: list[str]) -> list[str]:
        raise NotImplementedError


class _SpacyRules(_SpacyFamily):
    """spaCy's rule-based tokenizer (memoised, see `filters.spacy_runs`)."""

    def __init__(self, family: str, code: str) -> None:
        super().__init__(family, code)
        self._runs = SpacyRuns(code)

    def _words(self, chunks: list[str]) -> list[str]:
        return self._runs.words(chunks[0])


class _Jieba(_SpacyFamily):
    """spaCy's zh tokenizer with the jieba segmenter, as datatrove configures it."""

    def __init__(self, family: str, code: str) -> None:
        super().__init__(family, code)
        import jieba  # optional dependency

        jieba.setLogLevel(logging.WARNING)  # it announces loading its dictionary on stderr
        self._cut = jieba.dt.cut

    def _words(self, chunks: list[str]) -> list[str]:
        return strip_tokens(self._cut(chunks[0], cut_all=False))


class _Sudachi(_SpacyFamily):
    """spaCy's ja tokenizer: SudachiPy's core dictionary, split mode A, over datatrove's byte chunks."""

    def __init__(self, family: str, code: str) -> None:
        super().__init__(family, code)
        from sudachipy import Dictionary, SplitMode  # optional dependency (with sudachidict_core)

        self._tokenize = Dictionary().tokenizer(mode=SplitMode.A).tokenize

    def _chunks(self, text: str) -> list[str]:
        return _byte_chunks(text, _JA_CHUNK_BYTES)

    def _words(self, chunks: list[str]) -> list[str]:
        return strip_tokens(m.surface() for chunk in chunks for m in self._tokenize(chunk))


def _byte_chunks(text: str, limit: int) -> list[str]:
    """datatrove's `chunk_text_on_bytes`: consecutive pieces of at most `limit` UTF-8 bytes, cut where its search
    (a guess from the text's mean bytes per character, then steps of 10 characters) lands."""
    size = len(text.encode())
    if size <= limit:
        return [text] if text else []

    def nbytes(piece: str) -> int:
        return len(piece.encode())

    step = int(max(min(limit * 0.1, 10), 1))
    guess = int(max(limit * len(text) / size - 10, 1))
    chunks = []
    rest = text
    while rest:
        if nbytes(rest[:guess]) > limit:
            guess = max(guess - min(limit * 0.001, 10), 1)
            continue
        cut = guess
        while cut < len(rest) and nbytes(rest[:cut]) < limit:
            cut = min(len(rest), cut + step)
        if nbytes(rest[:cut]) > limit:
            cut -= step
        chunks.append(rest[:cut])
        rest = rest[cut:]
    return chunks


class _Pyvi(_SpacyFamily):
    """spaCy's vi tokenizer (pyvi's CRF), called without building a Doc; like the other CRFs, a long text is tagged
    in pieces (`filters.crf_segmenters.pieces`)."""

    def __init__(self, family: str, code: str) -> None:
        super().__init__(family, code)
        self._tokenize = import_spacy().blank("vi").tokenizer.pyvi_tokenize

    def _words(self, chunks: list[str]) -> list[str]:
        return strip_tokens(word for piece in pieces(chunks[0]) for word in self._tokenize(piece))


class _Kiwi(WordTokenizer):
    """Kiwi ("sbg" model); like datatrove, long digit runs are dropped first and the offsets read the raw text."""

    _LONG_NUMBER = re.compile("[0-9,]{20,}")

    def __init__(self, family: str, code: str) -> None:
        super().__init__(family, code)
        from kiwipiepy import Kiwi  # optional dependency (with kiwipiepy_model)

        self._kiwi = Kiwi(model_type="sbg")

    def words(self, text: str) -> list[str]:
        tokens = self._kiwi.tokenize(self._LONG_NUMBER.sub("", text))
        return strip_tokens(text[t.start : t.end] for t in tokens)


class _Thai(WordTokenizer):
    """PyThaiNLP's "newmm-safe" engine, whose dictionary ships with the package."""

    def __init__(self, family: str, code: str) -> None:
        super().__init__(family, code)
        from pythainlp.tokenize import word_tokenize  # optional dependency

        self._tokenize = word_tokenize

    def words(self, text: str) -> list[str]:
        return strip_tokens(self._tokenize(text, keep_whitespace=False, engine="newmm-safe"))


class _Lao(WordTokenizer):
    """LaoNLP's `word_tokenize` (maximal matching over its bundled Lao word list, safe mode)."""

    def __init__(self, family: str, code: str) -> None:
        super().__init__(family, code)
        from laonlp.tokenize import word_tokenize  # optional dependency

        self._tokenize = word_tokenize

    def words(self, text: str) -> list[str]:
        return strip_tokens(self._tokenize(text))


class _Indic(WordTokenizer):
    """Indic NLP's trivial tokenizer (punctuation and spaces; Urdu has its own punctuation set)."""

    def __init__(self, family: str, code: str) -> None:
        super().__init__(family, code)
        from indicnlp.tokenize.indic_tokenize import trivial_tokenize  # optional dependency

        self._tokenize = trivial_tokenize

    def words(self, text: str) -> list[str]:
        return strip_tokens(self._tokenize(text, self.code))


class _Crf(WordTokenizer):
    """khmer-nltk's or pyidaungsu's CRF segmenter, run in python-crfsuite, a long text in pieces."""

    def __init__(self, family: str, code: str) -> None:
        super().__init__(family, code)
        self._segmenter = KhmerSegmenter() if family == "khmer" else BurmeseSegmenter()

    def words(self, text: str) -> list[str]:
        return strip_tokens(word for piece in pieces(text) for word in self._segmenter.words(piece))


_SPACY_SEGMENTERS = {"zh": _Jieba, "ja": _Sudachi, "vi": _Pyvi}
_FAMILIES = {"indic": _Indic, "kiwi": _Kiwi, "thai": _Thai, "khmer": _Crf, "burmese": _Crf, "lao": _Lao}


@lru_cache(maxsize=None)
def _build(family: str, code: str, exact: bool) -> WordTokenizer:
    if family == "spacy":
        tokenizer = _SPACY_SEGMENTERS.get(code, _SpacyRules)(family, code)
    else:
        tokenizer = _FAMILIES[family](family, code)
    tokenizer.exact = exact
    return tokenizer


@lru_cache(maxsize=None)
def word_tokenizer(language: str) -> WordTokenizer:
    """The word tokenizer of a FineWeb-2 language ("deu_Latn", "cmn_Hani"), built once per process.

    A name without a tokenizer here (unknown to datatrove, or assigned one that needs downloads or uninstalled
    libraries) gets spaCy "xx" with `exact = False`."""
    family, code = assignment().get(language, ("", ""))
    if family == "spacy" or family in _FAMILIES:
        return _build(family, code, True)
    return _build("spacy", FALLBACK, False)
