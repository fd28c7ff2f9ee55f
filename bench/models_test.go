package bench

import (
	"github.com/uptrace/bun"

	"github.com/relmorm/relm/blog"
)

// The blog as each contender declares it. relm uses package blog's models;
// GORM and Bun declare the same tables and columns their own way.

type gUser struct {
	ID       int
	Username string     `gorm:"size:64;not null;index"`
	Password string     `gorm:"size:64;not null"`
	Email    string     `gorm:"size:64;not null;index"`
	UserInfo *gUserInfo `gorm:"foreignKey:UserID"`
}

func (gUser) TableName() string { return "users" }

type gUserInfo struct {
	ID     int
	Name   *string `gorm:"size:64"`
	QQ     *string `gorm:"column:qq;size:11"`
	Phone  *string `gorm:"size:11"`
	Link   *string `gorm:"size:64"`
	UserID *int
}

func (gUserInfo) TableName() string { return "userinfos" }

type gCategory struct {
	ID   int
	Name string `gorm:"size:64;not null;index"`
}

func (gCategory) TableName() string { return "categories" }

type gTag struct {
	ID   int
	Name string `gorm:"size:64;not null;index"`
}

func (gTag) TableName() string { return "tags" }

type gArticle struct {
	ID       int
	Title    string  `gorm:"size:255;not null;index"`
	Content  *string `gorm:"type:text"`
	UserID   *int
	CateID   *int
	Author   *gUser     `gorm:"foreignKey:UserID"`
	Category *gCategory `gorm:"foreignKey:CateID"`
	Tags     []*gTag    `gorm:"many2many:article_tag;joinForeignKey:ArticleID;joinReferences:TagID"`
}

func (gArticle) TableName() string { return "articles" }

type bUser struct {
	bun.BaseModel `bun:"table:users,alias:u"`
	ID            int    `bun:",pk,autoincrement"`
	Username      string `bun:",notnull,type:varchar(64)"`
	Password      string `bun:",notnull,type:varchar(64)"`
	Email         string `bun:",notnull,type:varchar(64)"`
}

type bUserInfo struct {
	bun.BaseModel `bun:"table:userinfos,alias:ui"`
	ID            int     `bun:",pk,autoincrement"`
	Name          *string `bun:",type:varchar(64)"`
	QQ            *string `bun:"qq,type:varchar(11)"`
	Phone         *string `bun:",type:varchar(11)"`
	Link          *string `bun:",type:varchar(64)"`
	UserID        *int
	User          *bUser `bun:"rel:belongs-to,join:user_id=id"`
}

type bCategory struct {
	bun.BaseModel `bun:"table:categories,alias:c"`
	ID            int    `bun:",pk,autoincrement"`
	Name          string `bun:",notnull,type:varchar(64)"`
}

type bTag struct {
	bun.BaseModel `bun:"table:tags,alias:t"`
	ID            int    `bun:",pk,autoincrement"`
	Name          string `bun:",notnull,type:varchar(64)"`
}

type bArticle struct {
	bun.BaseModel `bun:"table:articles,alias:a"`
	ID            int     `bun:",pk,autoincrement"`
	Title         string  `bun:",notnull,type:varchar(255)"`
	Content       *string `bun:",type:text"`
	UserID        *int
	CateID        *int
	Author        *bUser     `bun:"rel:belongs-to,join:user_id=id"`
	Category      *bCategory `bun:"rel:belongs-to,join:cate_id=id"`
	Tags          []*bTag    `bun:"m2m:article_tag,join:Article=Tag"`
}

type bArticleTag struct {
	bun.BaseModel `bun:"table:article_tag,alias:at"`
	ArticleID     int
	Article       *bArticle `bun:"rel:belongs-to,join:article_id=id"`
	TagID         int
	Tag           *bTag `bun:"rel:belongs-to,join:tag_id=id"`
}

// The one-table model of go-orm-benchmarks, workload (d).

// Model is relm's.
type Model struct {
	ID      int `relm:"pk"`
	Name    string
	Title   string
	Fax     string
	Web     string
	Age     int
	Right   bool
	Counter int64
}

func (Model) TableName() string { return "models" }

type gModel struct {
	ID      int
	Name    string
	Title   string
	Fax     string
	Web     string
	Age     int
	Right   bool
	Counter int64
}

func (gModel) TableName() string { return "models" }

type bModel struct {
	bun.BaseModel `bun:"table:models"`
	ID            int `bun:",pk,autoincrement"`
	Name          string
	Title         string
	Fax           string
	Web           string
	Age           int
	Right         bool
	Counter       int64
}

// rawModel is the hand-written code's.
type rawModel struct {
	ID      int
	Name    string
	Title   string
	Fax     string
	Web     string
	Age     int
	Right   bool
	Counter int64
}

func newModelFields() (name, title, fax, web string, age int, right bool, counter int64) {
	return "Orm Benchmark", "Just a Benchmark for fun", "99909990", "http://blog.milkpod29.me", 100, true, 1000
}

// Builders: the dataset as each contender's objects, built outside timers.

func relmObjects(ds *dataset) (users []*blog.User, cats []*blog.Category, tags []*blog.Tag, arts []*blog.Article) {
	for _, u := range ds.users {
		users = append(users, &blog.User{Username: u.username, Password: u.password, Email: u.email})
	}
	for _, c := range ds.cats {
		cats = append(cats, &blog.Category{Name: c})
	}
	for _, t := range ds.tags {
		tags = append(tags, &blog.Tag{Name: t})
	}
	for i := range ds.articles {
		a := &ds.articles[i]
		content := a.content
		art := &blog.Article{Title: a.title, Content: &content, Author: users[a.user], Category: cats[a.cat]}
		for _, t := range a.tags {
			art.Tags = append(art.Tags, tags[t])
		}
		arts = append(arts, art)
	}
	return
}

func gormObjects(ds *dataset) (users []*gUser, cats []*gCategory, tags []*gTag, arts []*gArticle) {
	for _, u := range ds.users {
		users = append(users, &gUser{Username: u.username, Password: u.password, Email: u.email})
	}
	for _, c := range ds.cats {
		cats = append(cats, &gCategory{Name: c})
	}
	for _, t := range ds.tags {
		tags = append(tags, &gTag{Name: t})
	}
	for i := range ds.articles {
		a := &ds.articles[i]
		content := a.content
		art := &gArticle{Title: a.title, Content: &content, Author: users[a.user], Category: cats[a.cat]}
		for _, t := range a.tags {
			art.Tags = append(art.Tags, tags[t])
		}
		arts = append(arts, art)
	}
	return
}

func bunObjects(ds *dataset) (users []*bUser, cats []*bCategory, tags []*bTag, arts []*bArticle) {
	for _, u := range ds.users {
		users = append(users, &bUser{Username: u.username, Password: u.password, Email: u.email})
	}
	for _, c := range ds.cats {
		cats = append(cats, &bCategory{Name: c})
	}
	for _, t := range ds.tags {
		tags = append(tags, &bTag{Name: t})
	}
	for i := range ds.articles {
		a := &ds.articles[i]
		content := a.content
		art := &bArticle{Title: a.title, Content: &content, Author: users[a.user], Category: cats[a.cat]}
		for _, t := range a.tags {
			art.Tags = append(art.Tags, tags[t])
		}
		arts = append(arts, art)
	}
	return
}
