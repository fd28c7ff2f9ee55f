// Package blog is the tutorial's blog data layer declared with relm: users,
// their one-to-one user infos, articles with an author and a category, and
// tags linked to articles through the article_tag table.
//
// It mirrors the SQLAlchemy models of the tutorial field for field:
// User.Articles with backref Author, User.UserInfo (uselist=False) with
// backref User, Article.Tags through article_tag with backref Articles, and
// Category.Articles with backref Category.
package blog

import (
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// User is a blog author (table users).
type User struct {
	ID       int        `relm:"pk"`
	Username string     `relm:"size:64;index"`
	Password string     `relm:"size:64"`
	Email    string     `relm:"size:64;index"`
	Articles []*Article `relm:"backref:Author"`
	UserInfo *UserInfo  `relm:"backref:User"`
}

// TableName names the table as the tutorial does.
func (User) TableName() string { return "users" }

// UserInfo holds a user's optional details (table userinfos), one per user.
type UserInfo struct {
	ID     int     `relm:"pk"`
	Name   *string `relm:"size:64"`
	QQ     *string `relm:"size:11"`
	Phone  *string `relm:"size:11"`
	Link   *string `relm:"size:64"`
	UserID *int    `relm:"fk:users.id"`
	User   *User   // bound by User.UserInfo's backref
}

// TableName names the table as the tutorial does.
func (UserInfo) TableName() string { return "userinfos" }

// Article is a blog post (table articles).
type Article struct {
	ID       int       `relm:"pk"`
	Title    string    `relm:"size:255;index"`
	Content  *string   `relm:"type:text"`
	UserID   *int      `relm:"fk:users.id"`
	CateID   *int      `relm:"fk:categories.id"`
	Tags     []*Tag    `relm:"secondary:article_tag;backref:Articles"`
	Author   *User     // bound by User.Articles's backref
	Category *Category // bound by Category.Articles's backref
}

// TableName names the table as the tutorial does.
func (Article) TableName() string { return "articles" }

// Category groups articles (table categories).
type Category struct {
	ID       int        `relm:"pk"`
	Name     string     `relm:"size:64;index"`
	Articles []*Article `relm:"backref:Category"`
}

// TableName names the table as the tutorial does.
func (Category) TableName() string { return "categories" }

// Tag labels articles (table tags).
type Tag struct {
	ID       int        `relm:"pk"`
	Name     string     `relm:"size:64;index"`
	Articles []*Article // bound by Article.Tags's backref
}

// TableName names the table as the tutorial does.
func (Tag) TableName() string { return "tags" }

// ArticleTag is the many-to-many link table between articles and tags, as
// the tutorial's article_tag Table: two nullable foreign keys and no primary
// key.
func ArticleTag() *schema.Table {
	return &schema.Table{
		Name: "article_tag",
		Columns: []*schema.Column{
			{Name: "article_id", Type: schema.BigInt, References: "articles.id"},
			{Name: "tag_id", Type: schema.BigInt, References: "tags.id"},
		},
	}
}

// NewRegistry returns a configured registry holding the blog's six tables.
func NewRegistry() (*mapping.Registry, error) {
	reg := mapping.NewRegistry()
	if err := reg.Register(&User{}, &UserInfo{}, &Article{}, &Category{}, &Tag{}); err != nil {
		return nil, err
	}
	if err := reg.AddTable(ArticleTag()); err != nil {
		return nil, err
	}
	if err := reg.Configure(); err != nil {
		return nil, err
	}
	return reg, nil
}
