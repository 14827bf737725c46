#!/usr/bin/python3
# mirror_fasttext.py - an experiment for bench/README.md ("What was tried
# for quality"); nothing here ships. A fastText-style classifier (Joulin
# A, Grave E, Bojanowski P, Mikolov T. Bag of tricks for efficient text
# classification. EACL 2017): hashed word unigrams and bigrams of the
# turn and of the two turns before it (prefixed), their embeddings
# (DIM numbers each, 2^18 buckets) averaged into a hidden layer, a
# softmax per speaker, plain SGD with a linearly decaying rate and the
# coder's class weights (^0.7), 10 epochs. The same 5 folds as
# `attune mirror eval` (transcript j in file order is in fold j mod 5);
# then the average of its probabilities with the coder's held-out ones.
#
#   mirror_fasttext.py annomi-simple.csv PRED.csv SEED [DIM]
#
# PRED.csv from `attune mirror eval --labels annomi-simple.csv
# --set seed=SEED --predictions PRED.csv`. Needs numpy; slow (minutes).
import csv, re, sys, zlib, numpy as np
if len(sys.argv) < 4:
    sys.exit("usage: mirror_fasttext.py annomi-simple.csv PRED.csv SEED [DIM]")
seed=int(sys.argv[3])
DIM=int(sys.argv[4]) if len(sys.argv)>4 else 32
rows=list(csv.DictReader(open(sys.argv[1],newline='')))
TH=['question','reflection','therapist_input','other']; CL=['change','neutral','sustain']
tids=[]; 
for r in rows:
    if r['transcript_id'] not in tids: tids.append(r['transcript_id'])
fold={t:i%5 for i,t in enumerate(tids)}
tok=re.compile(r"[a-z0-9'\u2019]+|[?!.,]")
def toks(s): return tok.findall(s.lower())
B=1<<18
def h(s): return zlib.crc32(s.encode())%B
by={}
for r in rows: by.setdefault(r['transcript_id'],[]).append(r)
ex=[]
for t,d in by.items():
    T=[toks(r['utterance_text']) for r in d]
    for i,r in enumerate(d):
        sp=r['interlocutor']
        if sp=='therapist': y=TH.index(r['main_therapist_behaviour'])
        else: y=4+CL.index(r['client_talk_type'])
        f=[]
        for k,pre in ((0,''),(1,'p:'),(2,'pp:')):
            if i-k<0: f.append(h(pre+'<none>')); continue
            w=['<s>']+T[i-k]+['</s>']
            f+= [h(pre+x) for x in T[i-k]] + [h(pre+a+' '+b) for a,b in zip(w,w[1:])]
            if k: f.append(h(pre+('same' if d[i-k]['interlocutor']==sp else 'other')))
        ex.append((fold[t],t,r['utterance_id'],sp,y,np.array(f)))
rng=np.random.default_rng(seed)
out={}
for f in range(5):
    tr=[e for e in ex if e[0]!=f]; te=[e for e in ex if e[0]==f]
    E=rng.uniform(-1/DIM,1/DIM,(B,DIM)).astype(np.float32)
    W=np.zeros((7,DIM),np.float32); b=np.zeros(7,np.float32)
    cnt=np.bincount([e[4] for e in tr],minlength=7).astype(float)
    cw=np.zeros(7)
    for ls in (range(4),range(4,7)):
        tot=cnt[list(ls)].sum()
        for y in ls: cw[y]=(tot/(len(ls)*cnt[y]))**0.7
    epochs=10; n=len(tr); step=0; lr0=0.2
    for ep in range(epochs):
        for j in rng.permutation(n):
            _,_,_,sp,y,fe=tr[j]
            ls=slice(0,4) if sp=='therapist' else slice(4,7)
            lr=lr0*(1-step/(epochs*n)); step+=1
            hv=E[fe].mean(0)
            z=W[ls]@hv+b[ls]; z-=z.max(); p=np.exp(z); p/=p.sum()
            g=p.copy(); g[y-ls.start]-=1; g*=cw[y]
            gh=W[ls].T@g
            W[ls]-=lr*np.outer(g,hv); b[ls]-=lr*g
            np.add.at(E,fe,-lr*gh/len(fe))
    for e in te:
        _,t,u,sp,y,fe=e
        ls=slice(0,4) if sp=='therapist' else slice(4,7)
        hv=E[fe].mean(0); z=W[ls]@hv+b[ls]; z-=z.max(); p=np.exp(z); p/=p.sum()
        out[(t,u)]=(sp,y,p)
def f1(gold,pred,labels):
    fs=[]
    for c in labels:
        tp=sum(1 for g,p in zip(gold,pred) if g==c and p==c); fp=sum(1 for g,p in zip(gold,pred) if g!=c and p==c); fn=sum(1 for g,p in zip(gold,pred) if g==c and p!=c)
        pr=tp/(tp+fp) if tp+fp else 0; rc=tp/(tp+fn) if tp+fn else 0; fs.append(2*pr*rc/(pr+rc) if pr+rc else 0)
    return sum(fs)/len(fs)
pred=list(csv.DictReader(open(sys.argv[2],newline='')))
for sp,base,k in (('therapist',0,4),('client',4,3)):
    G=[];P1=[];P2=[];P3=[]
    for r in pred:
        if r['speaker']!=sp: continue
        s2,y,p=out[(r['transcript_id'],r['utterance_id'])]
        pl=np.array([float(r['p%d'%c]) for c in range(k)])
        G.append(y); P1.append(base+int(pl.argmax())); P2.append(base+int(p.argmax())); P3.append(base+int((pl+p).argmax()))
    print(sp,'linear %.4f fasttext %.4f average %.4f'%(f1(G,P1,range(base,base+k)),f1(G,P2,range(base,base+k)),f1(G,P3,range(base,base+k))))
